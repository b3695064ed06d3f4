# benchctl.bash: bash completion for benchctl: its commands, their options, plan files, plan ids and hosts.
#
# Installed as share/bash-completion/completions/benchctl, where bash-completion loads it
# the first time benchctl is completed; or: source configs/benchctl.bash

# The names of the plans in the database benchctl would read, pulled ones as HOST/ID (none when it cannot).
_benchctl_plan_ids()
{
	benchctl "$@" plans --json 2>/dev/null | sed -n 's/^ *"ref": "\([^"]*\)",$/\1/p'
}

# Complete a host: ssh's known hosts and ~/.ssh/config aliases, through bash-completion when loaded.
_benchctl_hosts()
{
	if declare -F _known_hosts_real >/dev/null; then
		_known_hosts_real -a -- "$cur"
	else
		COMPREPLY=($(compgen -A hostname -- "$cur"))
	fi
}

# Complete the word under the cursor of a benchctl command line.
_benchctl()
{
	local cur prev cmd i global=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	local commands="submit status cancel watch plans runs summary compare report pull parse-log"

	case $prev in
	--socket|--db|-o|--output)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	--host)
		_benchctl_hosts
		return
		;;
	--dir)
		return
		;;
	esac
	# The command is the first word that is neither an option nor an option's value.
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--socket|--db|--host)
			global+=("${COMP_WORDS[i]}" "${COMP_WORDS[i+1]}")
			((i++))
			;;
		-*) ;;
		*)
			if [[ -z $cmd ]]; then
				cmd=${COMP_WORDS[i]}
			fi
			;;
		esac
	done
	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--socket --db --host --help --version" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$commands" -- "$cur"))
		fi
		return
	fi

	local opts="--socket --db --host --help"
	case $cmd in
	submit) opts+=" --wait --verbose --quiet --dir" ;;
	status|plans) opts+=" --json" ;;
	watch) opts+=" --verbose --quiet" ;;
	runs) opts+=" --json --csv" ;;
	summary) opts+=" --json --markdown" ;;
	compare) opts+=" --fail-if-slower --stage --json --markdown" ;;
	report) opts+=" --output" ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return
	fi
	case $cmd in
	submit)
		COMPREPLY=($(compgen -f -X '!*.yaml' -- "$cur") $(compgen -f -X '!*.yml' -- "$cur")
		    $(compgen -d -- "$cur"))
		;;
	parse-log)
		COMPREPLY=($(compgen -f -- "$cur"))
		;;
	pull)
		_benchctl_hosts
		;;
	cancel|watch|runs|summary|report|compare)
		COMPREPLY=($(compgen -W "$(_benchctl_plan_ids "${global[@]}")" -- "$cur"))
		;;
	esac
}

complete -F _benchctl benchctl
