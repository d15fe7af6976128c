"""Several sources' Markdown converted in one pandoc run: each gets the answer it gets
alone, and a run that goes past pandoc's limits answers none of them, so that each is
sent alone and what went over is located in its own source."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import pypandoc
import pytest

from bench.generate import generate
from insight import catalogue
from insight.catalogue import Parsed
from insight.errors import SourceErrors
from insight.load import load_file
from insight.markdown import (
    answered_ahead,
    cache_key,
    converted_together,
    pandoc,
    texts_of,
)
from insight.model import Briefing
from insight.project import Project
from insight.validate import validate_briefing

ROOT = Path(__file__).resolve().parent.parent


def briefing_of(path: Path) -> Briefing:
    data, locator = load_file(path, path.name)
    return validate_briefing(data, locator)


def requests_of_the_repository() -> list[str]:
    return [
        texts_of(briefing_of(path)).request for path in sorted((ROOT / "briefings").glob("*.yaml"))
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


def test_answers_ahead_come_from_the_cache_or_from_runs_of_several_sources(
    tmp_path: Path,
) -> None:
    paths = sorted((ROOT / "briefings").glob("*.yaml"))
    briefings = [briefing_of(path) for path in paths]
    requests = [texts_of(b).request for b in briefings]
    caches = [tmp_path / f"{path.stem}.json" for path in paths]
    # Kept in a cache file, an answer is taken from there, whatever it says.
    caches[0].write_text(json.dumps({"key": cache_key(requests[0]), "value": ["kept"]}))
    nested = briefings[1].model_copy(update={"summary": "x " + "[" * 9 + "]" * 9})
    sources = [(texts_of(b), cache) for b, cache in zip(briefings, caches, strict=True)]
    ahead = answered_ahead([(texts_of(nested), None), *sources], workers=2)
    assert ahead[requests[0]] == ["kept"]
    # The others, more than the workers, converted together and kept for the next build.
    for request, cache in zip(requests[1:], caches[1:], strict=True):
        assert ahead[request] == pandoc.convert(request)
        assert json.loads(cache.read_text())["value"] == ahead[request]
    # Brackets nested too deep are never sent: render_fields refuses them where they are.
    assert len(ahead) == len(requests)


def test_no_more_sources_to_convert_than_workers_are_left_to_convert_alone() -> None:
    """One edit leaves one source to convert: it runs alone, beside the others' work."""
    briefing = briefing_of(ROOT / "briefings" / "simplify-standardise-share.yaml")
    assert answered_ahead([(texts_of(briefing), None)], workers=2) == {}


def test_sources_with_the_same_texts_each_get_their_cache_file(tmp_path: Path) -> None:
    paths = sorted((ROOT / "briefings").glob("*.yaml"))
    briefings = [briefing_of(path) for path in paths]
    caches = [tmp_path / f"{path.stem}.json" for path in paths]
    twin = tmp_path / "twin.json"  # a second source with the first one's texts
    sources = [(texts_of(b), cache) for b, cache in zip(briefings, caches, strict=True)]
    ahead = answered_ahead([*sources, (texts_of(briefings[0]), twin)], 2)
    assert json.loads(twin.read_text()) == json.loads(caches[0].read_text())
    # And when one of the two was kept already, the other is written from it.
    twin.unlink()
    request = texts_of(briefings[0]).request
    again = answered_ahead([(texts_of(briefings[0]), caches[0]), (texts_of(briefings[0]), twin)], 2)
    assert again == {request: ahead[request]}
    assert json.loads(twin.read_text()) == json.loads(caches[0].read_text())


def test_loading_runs_no_more_pandoc_processes_at_once_than_there_are_cores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each takes about 180 MB: the first sources, converted alone as soon as they are read,
    # are done before the others are converted together.
    project = Project(generate(tmp_path / "project", 12))
    running, most = 0, 0
    counting = threading.Lock()
    run = pandoc.run

    def counted(*args: Any, **kwargs: Any) -> str:
        nonlocal running, most
        with counting:
            running += 1
            most = max(most, running)
        try:
            return run(*args, **kwargs)
        finally:
            with counting:
                running -= 1

    monkeypatch.setattr(pandoc, "run", counted)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    project.cache_dir.mkdir(parents=True)
    assert len(project.load().briefings) == 12
    assert most == 2


def test_a_source_loaded_again_unchanged_is_not_parsed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The preview loads every source at each save; only the one saved is parsed again.
    project = Project(generate(tmp_path / "project", 3))
    first, second, _ = sorted(project.briefings.glob("*.yaml"))
    parsed = Parsed()
    project.load(parsed)
    read: list[str] = []

    def counted(path: Path, display: str, raw: bytes | None = None) -> tuple[Any, Any]:
        read.append(path.name)
        return load_file(path, display, raw)

    monkeypatch.setattr(catalogue, "load_file", counted)
    original = first.read_text(encoding="utf-8")
    first.write_text(original.replace("title: ", "title: Retitled ", 1), encoding="utf-8")
    loaded = project.load(parsed)
    assert read == [first.name]
    assert loaded.briefing(first.stem).title.startswith("Retitled ")
    first.write_text("title: [", encoding="utf-8")
    with pytest.raises(SourceErrors) as broken:
        project.load(parsed)
    assert [e.path for e in broken.value.errors] == [f"briefings/{first.name}"]
    first.write_text(original, encoding="utf-8")
    read.clear()
    assert project.load(parsed).briefing(first.stem).title == "Synthetic briefing 1"
    assert project.load(parsed).briefing(second.stem).title == "Synthetic briefing 2"
    assert read == [first.name]  # the others were never parsed again
    second.unlink()
    project.load(parsed)
    assert second not in parsed.kept  # a source gone is forgotten


def test_a_run_slow_by_the_clock_but_not_busy_is_not_past_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As on a fresh machine whose disk is slow to hand pandoc its program: a run that waits
    # longer than its limit, using no processor time, converts all the same.
    request = requests_of_the_repository()[0]
    alone = pandoc.convert(request)
    real = pypandoc.get_pandoc_path()
    waiting = tmp_path / "pandoc"
    waiting.write_text(f'#!/bin/sh\nsleep 2\nexec "{real}" "$@"\n')
    waiting.chmod(0o755)
    monkeypatch.setattr(pypandoc, "get_pandoc_path", lambda: str(waiting))
    assert pandoc.convert(request, seconds=1) == alone


def test_a_run_past_its_processor_time_stops_there() -> None:
    hostile = json.dumps([{"key": "m0", "markdown": "x " + "[" * 40 + "]" * 40}])
    started = time.monotonic()
    with pytest.raises(pandoc.PandocLimit, match="took longer than 1 second"):
        pandoc.convert(hostile, seconds=1)
    # SIGXCPU at one second of its own, SIGKILL at two should it ignore that.
    assert time.monotonic() - started < 5
