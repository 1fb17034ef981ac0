"""Run the codec server: `python -m services.codec`."""

from services.codec.app import serve
from services.common.app import run_process

if __name__ == "__main__":
    run_process("codec", serve)
