"""Write eval/baseline.json from the reports `make eval` wrote (run `make baseline`).

The e2e quality test (tests/test_e2e.py) holds every figure to this file within a
tolerance; refresh it only on purpose, after a change whose figures are wanted.
"""

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
METRICS = ["hit@1", "hit@5", "hit@3kc", "mrr@10", "gold_coverage@5", "answer_hit",
           "footnote_recall", "abstain_ok", "answer_ok"]
REPORTS = {"tuning": HERE / "report-tuning.json", "dev": HERE / "report.json"}

baseline = {name: {m: json.loads(path.read_text(encoding="utf-8"))["overall"][m] for m in METRICS}
            for name, path in REPORTS.items()}
(HERE / "baseline.json").write_text(json.dumps(baseline, indent=1) + "\n", encoding="utf-8")
print(json.dumps(baseline))
