#!/bin/bash
# t_failover_lo.sh — failover as a new user tries it: both stations on one
# host (one namespace), the two paths on two loopback addresses, so every
# connection comes from 127.0.0.1 and a peer's source address names no path.
# A message every 50 ms; six times the active path is black-holed both ways
# (the first cut on a line a few seconds old): the first message written
# after each cut must arrive within 1 s, both stations must agree on the
# active path before and after, no third path may appear, the RTT must be
# known within 2 s of the line coming up, and nothing is lost or doubled.
#   FAILOVER_RUNS  number of cuts (default 6; 3 with FAULT_QUICK=1)
FAULT_TOPO=lo
. "$(dirname "$0")/netns.sh"
. "$(dirname "$0")/failover.sh"
failover_test 6 3
