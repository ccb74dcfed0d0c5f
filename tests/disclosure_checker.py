"""Independent disclosure checker: read the rendered HTML of reports back and prove that no cell under k is derivable.

Independent of `emploi_lab.disclosure`: it never sees our frames or our suppression code. It parses the tables of
the HTML pages (BeautifulSoup), identifies how their cells are linked, and plays the attacker with its own linear
programmes (scipy's HiGHS). The only project knowledge it uses is public: the territory referential (which
département is in which region) and the labels of the reports, which say how rows are linked (`SHARES`, `RATES`).

Links it knows:
- hierarchy: a count of a région is the sum of its départements', France's the sum of the régions' (every report
  of a run is read together, so a figure hidden in one report and shown in another, or a sum across reports, counts);
- "dont" rows: a row labelled "dont …" is a part of the row above it; its complement is derivable;
- shares with their base: `SHARES` (e.g. "Part de longue durée" of "Demandeurs d'emploi inscrits"), and rates with
  the `n` of their row (fairness audits: each rate a ratio of confusion-matrix cells; top offers: "Part en CDI" of
  "Offres"); a published share is an interval (its rounding), so the numerator is bounded, not guessed;
- identical figures: the same measure for the same territory in two tables is one variable.

A cell is *recoverable* when the attacker can pin it to a single whole number between 1 and k-1: either it is
published as such (a count of 1 to 10), or the linear programme bounds it (a hidden cell, a complement, a
numerator) to an interval holding one whole number only. Empty cells (0) describe nobody and are not counted.
"""
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from bs4 import BeautifulSoup
from scipy.optimize import linprog

K = 11
NATION = "France"

SHARES = [  # (share row, base row, numerator row or None when the numerator is published nowhere); label prefixes
    ("Part de longue durée", "Demandeurs d'emploi inscrits", None),
    ("Part des sorties vers l'emploi", "Sorties sur 12 mois", "dont sorties vers l'emploi"),
    ("Part urgente", "Courriels reçus", None),
    ("Part mentionnant un rendez-vous", "Courriels reçus", None),
    ("Tension (offres / inscrits)", "Demandeurs d'emploi inscrits", "Offres d'emploi sur 12 mois"),
]
ROW_BASES = {"Offres": ["Part en CDI"]}  # a count column of a table → the share columns that are shares of it
RATES = {  # fairness-audit rate (French label or key) → (numerator cells, denominator cells) of the confusion matrix
    "taux de sélection": ("tp fp", "tp fp fn tn"), "selection_rate": ("tp fp", "tp fp fn tn"),
    "taux observé": ("tp fn", "tp fp fn tn"), "base_rate": ("tp fn", "tp fp fn tn"),
    "exactitude": ("tp tn", "tp fp fn tn"), "accuracy": ("tp tn", "tp fp fn tn"),
    "taux de vrais positifs": ("tp", "tp fn"), "tpr": ("tp", "tp fn"),
    "taux de faux négatifs": ("fn", "tp fn"), "fnr": ("fn", "tp fn"),
    "taux de faux positifs": ("fp", "fp tn"), "fpr": ("fp", "fp tn"),
    "précision": ("tp", "tp fp"), "precision": ("tp", "tp fp"),
}
CONFUSION_SUMS = {"tp": "tp", "fp": "fp", "fn": "fn", "tn": "tn", "retenus": "tp fp", "non retenus": "fn tn",
                  "positifs": "tp fn", "négatifs": "fp tn", "justes": "tp tn", "erreurs": "fp fn"}


def norm(s: str) -> str:
    "Text with one kind of space and apostrophe."
    return re.sub(r"\s+", " ", str(s).replace("\u2019", "'").replace("\u202f", " ").replace("\xa0", " ")).strip()


_NUM = re.compile(r"([-−]?)(\d{1,3}(?: \d{3})+|\d+)(?:[.,](\d+))?( ?%)?")


def parse_value(text: str):
    "A cell as {'secret': True}, or {'value', 'lo', 'hi', 'kind'} (kind: count, share, decimal); None if not a figure."
    t = norm(text)
    if t == "s": return {"secret": True}
    t = t.split("[")[0].strip()  # a confidence interval after the value is not a function of the counts
    m = _NUM.fullmatch(t)
    if not m: return None
    dec = m.group(3) or ""
    v = float(m.group(2).replace(" ", "") + ("." + dec if dec else "")) * (-1 if m.group(1) else 1)
    half = 0.5 * 10 ** -len(dec) if dec else 0.0
    if m.group(4):
        v, half = v / 100, (half or 0.5) / 100  # "40 %" is 39.5 % to 40.5 %
        return {"value": v, "lo": v - half, "hi": v + half, "kind": "share"}
    return {"value": v, "lo": v - half, "hi": v + half, "kind": "decimal" if dec or m.group(1) else "count"}


@dataclass
class Table:
    file: str
    index: int
    header: list
    rows: list


def read_tables(path) -> list:
    "Every table of an HTML page: header and rows as text."
    soup = BeautifulSoup(Path(path).read_text(encoding="utf-8"), "html.parser")
    out = []
    for i, t in enumerate(soup.find_all("table")):
        trs = t.find_all("tr")
        if not trs: continue
        head = [norm(c.get_text(" ")) for c in trs[0].find_all(["th", "td"])]
        rows = [[norm(c.get_text(" ")) for c in tr.find_all(["th", "td"])] for tr in trs[1:]]
        out.append(Table(str(path), i, head, [r for r in rows if len(r) == len(head)]))
    return out


def geography():
    "Public referential: name → (level, code), and the parent of every territory and region."
    from emploi_lab.referentials import load_territories
    t = load_territories()
    names = {norm(n): ("region", c) for n, c in zip(t.region_name, t.region_code)}
    names.update({norm(n): ("territory", c) for n, c in zip(t.name, t.territory)})  # an overseas name: its territory
    names[NATION] = ("nation", "FR")
    parent = {("territory", c): ("region", r) for c, r in zip(t.territory, t.region_code)}
    parent.update({("region", r): ("nation", "FR") for r in set(t.region_code)})
    return names, parent


def _geo(text: str, names: dict):
    t = norm(text)
    if t in names: return names[t]
    m = re.fullmatch(r".*\((\w{2,3})\)", t)  # "Lozère (48)" in ranking tables
    return ("territory", m.group(1)) if m else None


def _measure(label: str) -> str:
    "A row label without the period in brackets (\"Courriels reçus (d'avril à septembre 2026)\" → \"Courriels reçus\")."
    return re.sub(r"\s*\((?:d'|de |du |en |[a-zé]+ \d{4}).*\)$", "", norm(label))


@dataclass
class CheckResult:
    files: int = 0
    tables: int = 0
    cells: int = 0          # figures and "s" cells read from the tables
    linked: int = 0         # of those, cells in a linked set (a variable or a constraint of the attacker's programme)
    derived: int = 0        # quantities bounded: hidden cells, complements, numerators, confusion-matrix cells
    recoverable: list = field(default_factory=list)
    inconsistent: list = field(default_factory=list)

    def __str__(self):
        return (f"{self.files} files, {self.tables} tables, {self.cells} cells read, {self.linked} in linked sets, "
                f"{self.derived} derived quantities bounded: {len(self.recoverable)} recoverable cells under {K}, "
                f"{len(self.inconsistent)} inconsistencies")


class _Programme:
    "The attacker's linear programme: variables ≥ 0, linear constraints, known values."
    def __init__(self): self.var, self.bounds, self.eq, self.ub, self.where = {}, [], [], [], {}

    def v(self, key):
        if key not in self.var: self.var[key] = len(self.var); self.bounds.append([0.0, np.inf])
        return self.var[key]

    def fix(self, key, lo, hi, where, result):
        j = self.v(key)
        if hi < self.bounds[j][0] - 1e-9 or lo > self.bounds[j][1] + 1e-9:
            result.inconsistent.append({"cell": key, "where": where, "values": (lo, hi), "other": tuple(self.bounds[j])})
        self.bounds[j] = [max(self.bounds[j][0], lo), min(self.bounds[j][1], hi)]
        self.where.setdefault(key, where)

    def ratio(self, num, den, lo, hi):
        "sum(num) / sum(den) within [lo, hi]: two linear inequalities."
        n, d = [self.v(x) for x in num], [self.v(x) for x in den]
        for sign, r in ((1, hi), (-1, lo)):  # num - hi*den <= 0 ; -num + lo*den <= 0
            row = defaultdict(float)
            for j in n: row[j] += sign
            for j in d: row[j] -= sign * r
            self.ub.append(dict(row))

    def sums(self, whole, parts):
        row = defaultdict(float); row[self.v(whole)] -= 1
        for p in parts: row[self.v(p)] += 1
        self.eq.append(dict(row))

    def solve(self, targets: dict, k: int, result: CheckResult):
        "Bound each target (name → {key: coefficient}); record those pinned to one whole number in [1, k-1]."
        comp = _components(len(self.var), self.eq + self.ub)
        rows = defaultdict(lambda: ([], []))
        for r in self.eq: rows[comp[next(iter(r))]][0].append(r)
        for r in self.ub: rows[comp[next(iter(r))]][1].append(r)
        members = defaultdict(list)
        for j, c in enumerate(comp): members[c].append(j)
        by_comp = defaultdict(list)
        for name, expr in targets.items(): by_comp[comp[self.var[next(iter(expr))]]].append((name, expr))
        for c, items in by_comp.items():
            cols = members[c]; idx = {j: i for i, j in enumerate(cols)}
            dense = lambda rs: np.array([[r.get(j, 0.0) for j in cols] for r in rs])
            eq, ub = rows[c]
            kw = dict(bounds=[tuple(self.bounds[j]) for j in cols], method="highs")
            if eq: kw.update(A_eq=dense(eq), b_eq=np.zeros(len(eq)))
            if ub: kw.update(A_ub=dense(ub), b_ub=np.zeros(len(ub)))
            for name, expr in items:
                obj = np.zeros(len(cols))
                for key, coef in expr.items(): obj[idx[self.var[key]]] += coef
                lo, hi = linprog(obj, **kw), linprog(-obj, **kw)
                result.derived += 1
                if lo.status == 2 or hi.status == 2:
                    result.inconsistent.append({"cell": name, "where": self.where.get(next(iter(expr))), "values": "infeasible"}); continue
                low, high = lo.fun, (-hi.fun if hi.status == 0 else np.inf)
                first, last = np.ceil(low - 1e-6), np.floor(high + 1e-6)
                if first == last and 1 <= first < k:
                    result.recoverable.append({"cell": name, "value": int(first), "bounds": (round(low, 3), round(high, 3)),
                                               "where": self.where.get(next(iter(expr)))})


def _components(n: int, rows: list) -> list:
    "Connected components of variables linked by constraints (union-find)."
    up = list(range(n))
    def find(a):
        while up[a] != a: up[a] = up[up[a]]; a = up[a]
        return a
    for r in rows:
        js = list(r)
        for j in js[1:]: up[find(j)] = find(js[0])
    return [find(j) for j in range(n)]


def check_reports(paths, *, k: int = K) -> CheckResult:
    "Read every HTML report of `paths` (files or folders searched for *.html) and find every recoverable cell under k."
    files = sorted({p for x in map(Path, paths) for p in ([x] if x.is_file() else x.rglob("*.html")) if p.name != "index.html"})
    names, parent = geography()
    res, P = CheckResult(files=len(files)), _Programme()
    targets, obs, geos, summed = {}, defaultdict(list), defaultdict(list), set()  # obs: (measure, geo) → parsed cells

    def add_target(name, expr):
        if name not in targets: targets[name] = expr

    for f in files:
        for t in read_tables(f):
            res.tables += 1
            cells = [[parse_value(c) for c in r] for r in t.rows]
            res.cells += sum(c is not None for r in cells for c in r)
            head = t.header
            geo_cols = {j: g for j, h in enumerate(head) if j and (g := _geo(h, names))}
            geo_rows = {i: g for i, r in enumerate(t.rows) for j in range(min(2, len(r))) if (g := _geo(r[j], names)) and head[j] in ("Région", "Territoire")}
            where = lambda i, j: f"{Path(t.file).name} table {t.index + 1}, row {i + 1} ({t.rows[i][0][:40]}), column {head[j]!r}"
            if head and head[0] == "Indicateur" and geo_cols:  # measures in rows, places in columns
                above = None
                for i, r in enumerate(t.rows):
                    m = _measure(r[0])
                    for j, g in geo_cols.items():
                        if cells[i][j] is not None: obs[(m, g)].append((cells[i][j], where(i, j))); geos[m].append(g)
                    if m.startswith("dont ") and above:
                        for j, g in geo_cols.items():
                            P.ub.append({P.v((m, g)): 1.0, P.v((above, g)): -1.0})
                            add_target(f"{above} − {m} @ {g}", {(above, g): 1.0, (m, g): -1.0})
                    else: above = m
            elif geo_rows:  # places in rows, measures in columns (regions table, rankings)
                for i, g in geo_rows.items():
                    for j, h in enumerate(head):
                        if h not in ("Rang", "Région", "Territoire") and cells[i][j] is not None:
                            obs[(_measure(h), g)].append((cells[i][j], where(i, j))); geos[_measure(h)].append(g)
            elif "n" in head:  # an audit table: rates of the confusion matrix of each group
                n_col, metric_col = head.index("n"), head.index("metric") if "metric" in head else None
                for i, r in enumerate(t.rows):
                    n = cells[i][n_col]
                    if not n or "value" not in n: continue
                    key = (Path(t.file).name, r[0], r[1])
                    cm = {c: (key, c) for c in ("tp", "fp", "fn", "tn")}
                    if key not in summed:
                        summed.add(key); P.fix(("n",) + key, n["lo"], n["hi"], where(i, n_col), res); P.sums(("n",) + key, cm.values())
                        for x in cm.values(): P.where.setdefault(x, where(i, n_col))
                        for c, parts in CONFUSION_SUMS.items(): add_target(f"{c} @ {key}", {cm[x]: 1.0 for x in parts.split()})
                    pairs = [(r[metric_col], cells[i][metric_col + 1])] if metric_col is not None else \
                        [(h, cells[i][j]) for j, h in enumerate(head) if h in RATES]
                    for metric, val in pairs:
                        if metric in RATES and val and "value" in val:
                            num, den = RATES[metric]
                            P.ratio([cm[x] for x in num.split()], [cm[x] for x in den.split()], val["lo"], val["hi"])
                    res.linked += 1 + len(pairs)
            for base, shares in ROW_BASES.items():  # a count column and shares of it, row by row
                if base not in head: continue
                b = head.index(base)
                for i, r in enumerate(t.rows):
                    n = cells[i][b]
                    if not n or "value" not in n: continue
                    key = (Path(t.file).name, t.index, i)
                    P.fix(("count",) + key, n["lo"], n["hi"], where(i, b), res); res.linked += 1
                    for s in shares:
                        if s in head and (v := cells[i][head.index(s)]) and "value" in v:
                            P.ratio([("num", s) + key], [("count",) + key], v["lo"], v["hi"]); res.linked += 1
                            P.where.setdefault(("num", s) + key, where(i, head.index(s)))
                            add_target(f"{s} (count) @ {key}", {("num", s) + key: 1.0})
                            add_target(f"{s} (complement) @ {key}", {("count",) + key: 1.0, ("num", s) + key: -1.0})

    # places: counts add up over the hierarchy, shares bound their numerators, each (measure, place) is one variable
    valued = lambda m: [c for g in geos[m] for c, _ in obs[(m, g)] if "value" in c]
    additive = {m: bool(valued(m)) and all(c["kind"] == "count" for c in valued(m)) for m in geos}
    share_of = {m: (next((b for b in additive if b.startswith(base)), base), next((x for x in additive if x.startswith(num)), num) if num
                    else f"[numérateur] {share}") for m in geos for share, base, num in SHARES if m.startswith(share)}
    for m, (base, num) in share_of.items(): additive[base] = additive.get(base, True); additive[num] = additive.get(num, True)
    for (m, g), seen in obs.items():
        if not additive.get(m) and m not in share_of: continue
        res.linked += len(seen)
        for c, w in seen:
            if m in share_of:
                if "value" in c:
                    base, num = share_of[m]
                    P.ratio([(num, g)], [(base, g)], c["lo"], c["hi"])
                    add_target(f"{num} @ {g}", {(num, g): 1.0}); add_target(f"{base} − {num} @ {g}", {(base, g): 1.0, (num, g): -1.0})
            elif "value" in c:
                P.fix((m, g), c["lo"], c["hi"], w, res)
                if 1 <= c["value"] < k: res.recoverable.append({"cell": f"{m} @ {g}", "value": int(c["value"]), "bounds": "published", "where": w})
            else: P.v((m, g)); P.where.setdefault((m, g), w); add_target(f"{m} @ {g} (hidden)", {(m, g): 1.0})
    kids = defaultdict(list)
    for child, up in parent.items(): kids[up].append(child)
    for m, is_count in additive.items():
        if is_count:
            for up, children in kids.items(): P.sums((m, up), [(m, c) for c in children])
    P.solve(targets, k, res)
    for key, j in P.var.items():  # a count of a row table (offers, an audit's n) published under k
        if key[0] in ("count", "n") and P.bounds[j][0] == P.bounds[j][1] and 1 <= P.bounds[j][0] < k:
            res.recoverable.append({"cell": f"published {'n' if key[0] == 'n' else 'count'} @ {key[1:]}", "value": int(P.bounds[j][0]),
                                    "bounds": "published", "where": P.where.get(key)})
    res.recoverable = list({(r["cell"], str(r["where"])): r for r in res.recoverable}.values())
    return res
