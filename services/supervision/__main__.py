"""Run the supervision service: `python -m services.supervision`."""

from services.common.app import run_service
from services.supervision.app import build

if __name__ == "__main__":
    run_service("supervision", build)
