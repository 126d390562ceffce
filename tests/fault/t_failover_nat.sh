#!/bin/bash
# t_failover_nat.sh — failover when the peer is behind NAT: alpha's dials
# reach bravo from addresses that are none of alpha's configured endpoints
# (source NAT in alpha's namespace). Same runs and checks as
# t_failover_lo.sh: each cut of the active path delivers within 1 s, both
# stations agree on the path, no third path, RTT known at once, no loss.
#   FAILOVER_RUNS  number of cuts (default 4; 2 with FAULT_QUICK=1)
FAULT_TOPO=nat
. "$(dirname "$0")/netns.sh"
. "$(dirname "$0")/failover.sh"
failover_test 4 2
