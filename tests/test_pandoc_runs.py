"""Several sources' Markdown converted in one pandoc run: each gets the answer it gets
alone, and a run that goes past pandoc's limits answers none of them, so that each is
sent alone and what went over is located in its own source."""

from __future__ import annotations

import json
from pathlib import Path

from insight.load import load_file
from insight.markdown import (
    cache_key,
    converted_together,
    markdown_fields,
    pandoc,
    request_for,
    sendable_request,
)
from insight.model import Briefing
from insight.validate import validate_briefing

ROOT = Path(__file__).resolve().parent.parent


def briefing_of(path: Path) -> Briefing:
    data, locator = load_file(path, path.name)
    return validate_briefing(data, locator)


def requests_of_the_repository() -> list[str]:
    return [
        request_for(list(markdown_fields(briefing_of(path), ())))
        for path in sorted((ROOT / "briefings").glob("*.yaml"))
    ]


def test_each_request_converted_with_others_gets_the_answer_it_gets_alone() -> None:
    requests = requests_of_the_repository()
    assert len(requests) >= 3
    together = converted_together([*requests, requests[0]], workers=2)
    assert together == {request: pandoc.convert(request) for request in requests}


def test_a_run_past_pandoc_limits_answers_none_of_its_requests() -> None:
    # Sent to pandoc as it is, this nest takes it minutes (editors' texts never get there:
    # the bracket check refuses them first).
    hostile = json.dumps([{"key": "m0", "markdown": "x " + "[" * 40 + "]" * 40}])
    fine = requests_of_the_repository()[0]
    assert converted_together([fine, hostile], workers=1, seconds=1) == {}


def test_a_source_answered_by_the_cache_or_with_brackets_too_deep_is_not_sent(
    tmp_path: Path,
) -> None:
    briefing = briefing_of(ROOT / "briefings" / "simplify-standardise-share.yaml")
    request = sendable_request(briefing, tmp_path / "absent.json")
    assert request == request_for(list(markdown_fields(briefing, ())))
    cache = tmp_path / "cached.json"
    cache.write_text(json.dumps({"key": cache_key(request), "value": []}))
    assert sendable_request(briefing, cache) is None
    nested = briefing.model_copy(update={"summary": "x " + "[" * 9 + "]" * 9})
    assert sendable_request(nested, None) is None
