#!/usr/bin/env python3
"""The one entry point: `python build.py --help` lists the commands."""

if __name__ == "__main__":
    # Imported here, not above: the PDF worker processes import this file, and need
    # only the renderer, not the whole command line with the site's tooling.
    try:
        from insight.cli import exit_at_once, main
    except KeyboardInterrupt:  # Ctrl-C before the command line has set its own handling
        raise SystemExit(130) from None

    exit_at_once(main())
