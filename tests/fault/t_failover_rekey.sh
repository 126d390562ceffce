#!/bin/bash
# t_failover_rekey.sh — failover right after a rekey: with RekeyAfter = 2s
# every session is replaced by a fresh handshake every 2 s; each run cuts the
# active path just after its session was replaced (a session with no RTT
# sample of its own yet). Topology as t_failover_nat.sh (alpha's dials come
# through source NAT; FAULT_TOPO=lo for one host with loopback aliases); same
# checks: delivery within 1 s of every cut, the RTT still known after each
# rekey, one active path on both sides, no third path, nothing lost.
#   FAILOVER_RUNS  number of cuts (default 4; 2 with FAULT_QUICK=1)
FAULT_TOPO=${FAULT_TOPO:-nat}
FAULT_PEER_EXTRA="RekeyAfter = 2s"
FAILOVER_AFTER_REKEY=1
. "$(dirname "$0")/netns.sh"
. "$(dirname "$0")/failover.sh"
failover_test 4 2
