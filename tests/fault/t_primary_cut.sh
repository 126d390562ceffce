#!/bin/bash
# t_primary_cut.sh — the primary path's link goes down (ip link set down)
# mid-stream: traffic continues on the backup; prints the gap; after the link
# comes back the line returns to the primary. Tunables: see run_failover in
# netns.sh.
. "$(dirname "$0")/netns.sh"
run_failover cut_path restore_path
exit $FAILED
