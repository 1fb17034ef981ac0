"""Run the plan service: `python -m services.plan`."""

from services.common.app import run_service
from services.plan.app import build

if __name__ == "__main__":
    run_service("plan", build)
