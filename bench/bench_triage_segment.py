"""Segmentation speed: melusine's preprocessing (the French email library, if installed) against `email_text.segment`.

Both cut the sender's text from signatures and quoted history; the triage budget is 1,000 emails/s/core for
segmentation, masking, extraction and scoring together. Prints emails per CPU second on the hand-written
development set (repeated) and, for melusine, the cumulative rate after each of its preprocessing steps.
Usage: python bench/bench_triage_segment.py [--repeat 6]
"""
import argparse
import time

import pandas as pd

from emploi_lab.email_text import mask, read_email, segment
from emploi_lab.triage import load_handwritten


def rate(f, n):
    "Emails per CPU second of f() over n emails."
    c0 = time.process_time()
    f()
    return round(n / (time.process_time() - c0))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=6, help="copies of the development set")
    a = p.parse_args(argv)
    df = pd.concat([load_handwritten()] * a.repeat, ignore_index=True)
    n = len(df)
    print(f"{n} emails")
    print("email_text.segment:", rate(lambda: [segment(b) for b in df.body], n), "emails/s")
    print("email_text.segment + mask:", rate(lambda: [mask(segment(b)["own"]) for b in df.body], n), "emails/s")
    print("email_text.read_email (segment, mask, normalise, appointment):",
          rate(lambda: [read_email(s, b, r.to_pydatetime()) for s, b, r in zip(df.subject, df.body, df.received_at)], n), "emails/s")
    try:
        from melusine.pipeline import MelusinePipeline
    except ImportError:
        print("melusine not installed: `pip install melusine` to compare")
        return 0
    m = df.assign(header=df.subject, **{"from": "x@y.fr", "to": "conseiller@francetravail.fr", "date": df.received_at.astype(str)})
    pipe = MelusinePipeline.from_config(config_key="preprocessing_pipeline")
    for k in range(1, len(pipe.steps) + 1):
        def run(k=k):
            d = m.copy()
            for _, step in pipe.steps[:k]: d = step.transform(d)
        print(f"melusine up to {pipe.steps[k - 1][0]}:", rate(run, n), "emails/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
