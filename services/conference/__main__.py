"""Run the conference service: `python -m services.conference`."""

from services.common.app import run_service
from services.conference.app import build

if __name__ == "__main__":
    run_service("conference", build)
