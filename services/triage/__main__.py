"""Run the triage service: `python -m services.triage`."""

from services.common.app import run_service
from services.triage.app import build

if __name__ == "__main__":
    run_service("triage", build)
