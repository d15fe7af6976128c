"""An MkDocs hook for the benchmark: keeps what the insight plugin generates as plain files.

Run after the plugin (MkDocs runs hooks after plugins), it writes every generated
page's Markdown and every file the plugin publishes into $BENCH_PLAIN_DIR/docs/, and
the navigation and extra stylesheets and scripts into $BENCH_PLAIN_DIR/generated.json,
so that a plain `mkdocs build` without the plugin can build the same pages.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files

PLUGIN = "insight"


def on_files(files: Files, *, config: MkDocsConfig) -> Files:
    plain = Path(os.environ["BENCH_PLAIN_DIR"])
    for file in files:
        if file.generated_by != PLUGIN:
            continue
        target = plain / "docs" / file.src_uri
        target.parent.mkdir(parents=True, exist_ok=True)
        if file.abs_src_path:
            shutil.copyfile(file.abs_src_path, target)
        else:
            target.write_text(file.content_string, encoding="utf-8")
    generated = {
        "nav": config.nav,
        "extra_css": list(config.extra_css),
        "extra_javascript": [str(script) for script in config.extra_javascript],
    }
    (plain / "generated.json").write_text(json.dumps(generated), encoding="utf-8")
    return files
