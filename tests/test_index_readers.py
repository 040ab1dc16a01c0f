"""Readers never see a half-gone index: builds run while other processes open and query it."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from conftest import HashEmbedder

from bronwijzer.index.build import build_index
from bronwijzer.settings import load_settings

TESTS = Path(__file__).resolve().parent

BUILDER = textwrap.dedent("""
    import sys
    sys.path.insert(0, {tests!r})
    from pathlib import Path
    from conftest import HashEmbedder
    from bronwijzer.index.build import build_index
    from bronwijzer.settings import load_settings
    for _ in range({builds}):
        build_index(load_settings(), HashEmbedder(), force=True)
    Path({done!r}).touch()
""")

READER = textwrap.dedent("""
    import json, sys
    sys.path.insert(0, {tests!r})
    from pathlib import Path
    from conftest import HashEmbedder
    from bronwijzer.engine import Engine
    from bronwijzer.settings import load_settings
    done, loads, errors = Path({done!r}), 0, []
    while not done.exists() or loads < 3:
        try:
            engine = Engine.open(load_settings(), embedder=HashEmbedder(), build=False)
            hits = engine.search("bedrijventerreinen en werklocaties", 3)
            assert hits and hits[0].passage.text
            loads += 1
        except Exception as error:
            errors.append(f"{{type(error).__name__}}: {{error}}")
    print(json.dumps({{"loads": loads, "errors": errors[:5], "failed": len(errors)}}))
""")


def test_readers_load_and_query_while_builds_switch_the_index(article_home, tmp_path):
    settings = load_settings()
    build_index(settings, HashEmbedder())
    done = tmp_path / "done"
    builder = tmp_path / "builder.py"
    builder.write_text(BUILDER.format(tests=str(TESTS), builds=6, done=str(done)), encoding="utf-8")
    reader = tmp_path / "reader.py"
    reader.write_text(READER.format(tests=str(TESTS), done=str(done)), encoding="utf-8")
    readers = [subprocess.Popen([sys.executable, str(reader)], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for _ in range(2)]
    time.sleep(0.5)
    build = subprocess.run([sys.executable, str(builder)], capture_output=True, text=True,
                           timeout=300)
    assert build.returncode == 0, build.stderr
    results = []
    for child in readers:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert all(r["failed"] == 0 for r in results), results
    assert sum(r["loads"] for r in results) >= 6
    builds = [p for p in settings.index.iterdir() if p.name.startswith("b-")]
    assert len(builds) == 2                               # older builds are cleared
