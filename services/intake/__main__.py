"""Run the intake service: `python -m services.intake`."""

from services.common.app import run_service
from services.intake.app import build

if __name__ == "__main__":
    run_service("intake", build)
