"""Maintainer entry point: build a new index version from the KB and publish it.

Same as `assistant build`; kept as a script so cron jobs and deploy hooks can call it by path:
    python scripts/build_index.py [--kb kb] [--out index] [--rollback]
"""

from assistant.cli import main

if __name__ == "__main__":
    main(["build", *__import__("sys").argv[1:]])
