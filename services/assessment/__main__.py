"""Run the assessment service: `python -m services.assessment`."""

from services.assessment.app import build
from services.common.app import run_service

if __name__ == "__main__":
    run_service("assessment", build)
