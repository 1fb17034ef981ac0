#!/bin/sh
# Runs the Temporal CLI ($KAHU_TEMPORAL_CLI) in a session of its own, keeping its PID: a
# terminal's Ctrl-C then reaches only the supervisor, which stops Temporal after the
# services and the worker.
exec setsid "$KAHU_TEMPORAL_CLI" "$@"
