"""Run the placement service: `python -m services.placement`."""

from services.common.app import run_service
from services.placement.app import build

if __name__ == "__main__":
    run_service("placement", build)
