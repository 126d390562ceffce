# hotline.bash — bash completion for hotline(1): subcommands, their options,
# and peer names from the configuration's [Peer NAME] sections.
# Installed as .../bash-completion/completions/hotline (loaded on first use).

# The subcommands as the hotline being completed lists them under
# "commands:" in --help, so a new one needs no change here; the fixed list
# is the fallback when it cannot be run.
_hotline_commands()
{
	local cmds
	cmds=$("$1" --help 2>/dev/null | awk '/^commands:/ { f = 1; next } /^$/ { f = 0 } f { print $1 }')
	printf '%s\n' "${cmds:-status send notice forms inbox ack attachment log export report test translate certify keygen pubkey verify handover doctor console help}"
}

# Notice forms, or one form's fields as "name=", as the daemon lists them
# (nothing when it cannot be reached).
_hotline_forms()
{
	"$1" -c "$2" forms 2>/dev/null | awk '/^[a-z0-9]/ { print $1 }'
}
_hotline_fields()
{
	"$1" -c "$2" forms "$3" 2>/dev/null | awk '/^  [a-z][a-z0-9_]* / { print $1 "=" }'
}

# Peer names in the configuration file, if it is readable.
_hotline_peers()
{
	[ -r "$1" ] || return 0
	sed -n 's/^[[:space:]]*\[[Pp]eer[[:space:]][[:space:]]*\([^]]*\)\].*/\1/p' "$1" |
		sed 's/[[:space:]]*$//'
}

_hotline()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local conf=${HOTLINE_CONFIG:-/etc/hotline/hotline.conf}
	local cmd="" npos=0 i w opts
	local globals="-c --config --json --help --version"

	COMPREPLY=()
	# Where the command is, which configuration, how many arguments it has.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case "$w" in
		-c | --config)
			conf=${COMP_WORDS[i + 1]}
			((i++))
			;;
		--config=*) conf=${w#--config=} ;;
		-p | --lang | --format | --from | --to | -o | -f | --svg | --since | --against | --keys | --passphrase-fd | --file | --reply-to | --note)
			((i++)) # an option's value is not an argument
			;;
		-*) ;;
		*)
			if [ -z "$cmd" ]; then cmd=$w; else ((npos++)); fi
			;;
		esac
	done
	conf=${conf/#\~/$HOME}

	case "$prev" in
	-c | --config | -o | -f | --svg | --against | --keys | --file)
		COMPREPLY=($(compgen -f -- "$cur"))
		compopt -o filenames 2>/dev/null
		return 0
		;;
	-p)
		COMPREPLY=($(compgen -W "flash immediate priority routine" -- "$cur"))
		return 0
		;;
	--format)
		COMPREPLY=($(compgen -W "text json" -- "$cur"))
		return 0
		;;
	--lang | --from | --to | --since | --passphrase-fd | --reply-to | --note)
		return 0 # a value the user knows
		;;
	esac

	if [ -z "$cmd" ]; then
		if [[ "$cur" == -* ]]; then
			COMPREPLY=($(compgen -W "$globals" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_hotline_commands "${COMP_WORDS[0]}")" -- "$cur"))
		fi
		return 0
	fi

	case "$cmd" in
	status) opts="--json" ;;
	inbox) opts="--unacked --json" ;;
	ack) opts="--note --json" ;;
	send) opts="-p --lang --exercise --reply-to --file" ;;
	attachment) opts="-o" ;;
	notice) opts="-p --lang --reply-to --exercise" ;;
	forms | certify) opts="--json" ;;
	translate) opts="--lang" ;;
	handover) opts="--since --json" ;;
	log) opts="--format --json" ;;
	export) opts="--from --to --proof -o" ;;
	report) opts="--since --svg --json" ;;
	test) opts="--json" ;;
	keygen) opts="-o --passphrase --passphrase-fd" ;;
	pubkey) opts="-f --passphrase-fd" ;;
	verify) opts="--against --keys --json --quiet" ;;
	help)
		[ "$npos" -eq 0 ] &&
			COMPREPLY=($(compgen -W "$(_hotline_commands "${COMP_WORDS[0]}")" -- "$cur"))
		return 0
		;;
	*) opts="" ;;
	esac

	if [[ "$cur" == -* ]]; then
		COMPREPLY=($(compgen -W "$opts $globals" -- "$cur"))
		return 0
	fi
	case "$cmd" in
	send | log | export | report | test)
		[ "$npos" -eq 0 ] && COMPREPLY=($(compgen -W "$(_hotline_peers "$conf")" -- "$cur"))
		;;
	notice)
		if [ "$npos" -eq 0 ]; then
			COMPREPLY=($(compgen -W "$(_hotline_peers "$conf")" -- "$cur"))
		elif [ "$npos" -eq 1 ]; then
			COMPREPLY=($(compgen -W "$(_hotline_forms "${COMP_WORDS[0]}" "$conf")" -- "$cur"))
		else
			local form="" n=0
			for ((i = 1; i < COMP_CWORD; i++)); do
				case "${COMP_WORDS[i]}" in
				-c | --config | -p | --lang | --reply-to) ((i++)) ;;
				-*) ;;
				*) ((n++)) && [ "$n" -eq 3 ] && form=${COMP_WORDS[i]} ;;
				esac
			done
			COMPREPLY=($(compgen -W "$(_hotline_fields "${COMP_WORDS[0]}" "$conf" "$form")" -- "$cur"))
			compopt -o nospace 2>/dev/null
		fi
		;;
	forms)
		[ "$npos" -eq 0 ] && COMPREPLY=($(compgen -W "$(_hotline_forms "${COMP_WORDS[0]}" "$conf")" -- "$cur"))
		;;
	verify)
		[ "$npos" -eq 0 ] && COMPREPLY=($(compgen -f -- "$cur")) && compopt -o filenames 2>/dev/null
		;;
	esac
	return 0
}

complete -F _hotline hotline
