"""A synthetic but realistic catalogue for the benchmark: N briefings of about 15 A4 pages.

Each briefing has sections of prose with lists, a table, a footnote and an image,
three delusions, three principles, six case studies, quotes and contacts. The
text is generated from a fixed vocabulary with a seeded random generator, so
the same N always gives the same catalogue. It is benchmark filler, marked so
in every source's provenance, and never published.
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

import yaml
from PIL import Image, ImageDraw

REPO = Path(__file__).resolve().parent.parent

SUBJECTS = [
    "the council",
    "the shared service",
    "the digital team",
    "the partnership",
    "the programme board",
    "frontline staff",
    "the ICT function",
    "service managers",
    "the chief executive",
    "residents",
]
VERBS = [
    "redesigned",
    "simplified",
    "standardised",
    "shared",
    "moved online",
    "measured",
    "reviewed",
    "procured jointly",
    "retired",
    "automated",
]
OBJECTS = [
    "the case management system",
    "its contact centre",
    "the benefits process",
    "waste collection rounds",
    "the planning portal",
    "the data platform",
    "its document workflow",
    "the social care pathway",
    "the customer account",
    "its hosting contracts",
]
CLAUSES = [
    "so that demand fell over the year",
    "which released staff time for complex cases",
    "while keeping an assisted route for those who need it",
    "after an extended dialogue with the service",
    "in line with the design principles",
    "at lower cost than the previous arrangement",
    "with clear ownership in the service",
    "which other councils have since reused",
]
KINDS = ["district council", "county council", "unitary authority", "metropolitan district council"]
REGIONS = ["South East", "North West", "East Midlands", "Yorkshire and the Humber", "South West"]
SERVICES = [
    "revenues and benefits",
    "waste",
    "planning",
    "adult social care",
    "libraries",
    "housing",
]
TECHNOLOGIES = [
    "cloud software as a service",
    "document imaging",
    "workflow",
    "open source",
    "data",
]
DRIVERS = ["austerity", "customer experience", "new ways of operating", "efficiency"]


def sentence(rng: random.Random) -> str:
    text = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(CLAUSES)}"
    return text[0].upper() + text[1:] + "."


def paragraph(rng: random.Random, sentences: int = 6) -> str:
    return " ".join(sentence(rng) for _ in range(sentences))


def section_body(rng: random.Random, index: int) -> str:
    paragraphs = [paragraph(rng) for _ in range(5)]
    paragraphs.insert(2, "\n".join(f"- {sentence(rng)}" for _ in range(4)))
    if index == 1:
        rows = "\n".join(
            f"| {rng.choice(SERVICES)} | {rng.randint(2, 40)}% | {rng.choice(DRIVERS)} |"
            for _ in range(12)
        )
        paragraphs.insert(
            4, f"| Service | Saving | Driver |\n|---|---|---|\n{rows}\n\n: Savings by service."
        )
    if index == 2:
        paragraphs.insert(3, "![A chart of savings by year](images/chart.png)")
    paragraphs[0] += "[^1]\n\n[^1]: " + sentence(rng)
    return "\n\n".join(paragraphs)


def briefing(n: int, rng: random.Random) -> dict:
    bid = f"synthetic-briefing-{n:03d}"
    return {
        "id": bid,
        "title": f"Synthetic briefing {n}",
        "subtitle": "Benchmark content generated from a fixed vocabulary",
        "kind": rng.choice(["briefing", "report", "paper"]),
        "series": "Insight",
        "date": f"{2000 + n % 25}-{1 + n % 12:02d}-{1 + n % 28:02d}",
        "publishers": ["Socitm"],
        "keywords": ["benchmark"],
        "provenance": "Synthetic benchmark content: not a real publication.",
        "availability": {
            "free_to_subscribers": True,
            "price_non_members": 195,
            "price_members": 150,
        },
        "summary": paragraph(rng, 4),
        "key_messages": [sentence(rng) for _ in range(4)],
        "sections": [
            {
                "id": f"section-{i}",
                "title": f"Section {i}: {rng.choice(OBJECTS)}",
                "body": section_body(rng, i),
            }
            for i in range(1, 6)
        ],
        "delusions": [
            {
                "id": f"{bid}-delusion-{i}",
                "title": f"Delusion {i}",
                "belief": sentence(rng),
                "reality": paragraph(rng, 2),
            }
            for i in range(1, 4)
        ],
        "principles": [
            {"id": f"{bid}-principle-{i}", "title": f"Principle {i}", "body": paragraph(rng, 2)}
            for i in range(1, 4)
        ],
        "case_studies": [
            {
                "id": f"{bid}-case-{i}",
                "organisation": f"Synthetic {rng.choice(['Borough', 'County', 'City'])} Council {n}-{i}",
                "organisation_kind": rng.choice(KINDS),
                "region": rng.choice(REGIONS),
                "title": sentence(rng).rstrip("."),
                "summary": paragraph(rng, 5),
                "services": rng.sample(SERVICES, 2),
                "technologies": rng.sample(TECHNOLOGIES, 2),
                "customer_groups": ["residents"],
                "drivers": rng.sample(DRIVERS, 2),
            }
            for i in range(1, 7)
        ],
        "quotes": [
            {
                "text": sentence(rng),
                "speaker": f"Speaker {i}",
                "role": "Director of digital",
                "organisation": "Synthetic Council",
            }
            for i in range(1, 4)
        ],
        "contacts": [
            {"name": "Press Office", "organisation": "Socitm", "email": "press@example.org"}
        ],
    }


def chart(path: Path) -> None:
    image = Image.new("RGB", (600, 300), "white")
    draw = ImageDraw.Draw(image)
    for i, height in enumerate([120, 180, 90, 240, 200]):
        draw.rectangle([40 + i * 110, 280 - height, 120 + i * 110, 280], fill=(0, 78, 110))
    image.save(path)


def generate(dest: Path, count: int, seed: int = 0) -> Path:
    """Write a project folder at `dest` with `count` synthetic briefings; return `dest`."""
    rng = random.Random(seed)
    briefings = dest / "briefings"
    (briefings / "images").mkdir(parents=True, exist_ok=True)
    chart(briefings / "images" / "chart.png")
    for n in range(1, count + 1):
        data = briefing(n, rng)
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
        (briefings / f"{data['id']}.yaml").write_text(text, encoding="utf-8")
    shutil.copy(REPO / "mkdocs.yml", dest / "mkdocs.yml")
    shutil.copytree(REPO / "docs", dest / "docs", dirs_exist_ok=True)
    return dest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path, help="the project folder to write")
    parser.add_argument("count", type=int, help="how many briefings")
    args = parser.parse_args()
    generate(args.dest, args.count)


if __name__ == "__main__":
    main()
