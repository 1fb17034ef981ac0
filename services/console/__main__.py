"""Run the web console: `python -m services.console`."""

from services.common.app import run_process
from services.console.app import serve

if __name__ == "__main__":
    run_process("console", serve)
