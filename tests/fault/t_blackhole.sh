#!/bin/bash
# t_blackhole.sh — the primary path silently drops everything (nft, both
# ways, links stay up): only missing replies can tell; traffic continues on
# the backup, and returns to the primary once the black hole is removed.
# Tunables: see run_failover in netns.sh.
. "$(dirname "$0")/netns.sh"
run_failover blackhole unblackhole
exit $FAILED
