function __valectl_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __valectl_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __valectl_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __valectl_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __valectl_parse_tokens -S
    set -l unparsed_tokens (__valectl_tokens -pc)
    switch $unparsed_tokens[1]
    case 'valectl'
        __valectl_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'status'
            __valectl_parse_subcommand 0 'socket=' 'json' 'timeout=' 'version' 'h/help'
        case 'list'
            __valectl_parse_subcommand 1 'socket=' 'json' 'timeout=' 'version' 'h/help'
        case 'attach'
            __valectl_parse_subcommand 1 'host-stack' 'force' 'socket=' 'json' 'timeout=' 'version' 'h/help'
        case 'detach'
            __valectl_parse_subcommand 1 'socket=' 'json' 'timeout=' 'version' 'h/help'
        case 'port'
            __valectl_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'create'
                __valectl_parse_subcommand 1 'switch=' 'tx-slots=' 'rx-slots=' 'tx-rings=' 'rx-rings=' 'socket=' 'json' 'timeout=' 'version' 'h/help'
            case 'delete'
                __valectl_parse_subcommand 1 'socket=' 'json' 'timeout=' 'version' 'h/help'
            case 'show'
                __valectl_parse_subcommand 1 'socket=' 'json' 'timeout=' 'version' 'h/help'
            end
        case 'polling'
            __valectl_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'enable'
                __valectl_parse_subcommand 1 'cpu=' 'cpus=' 'socket=' 'json' 'timeout=' 'version' 'h/help'
            case 'disable'
                __valectl_parse_subcommand 1 'socket=' 'json' 'timeout=' 'version' 'h/help'
            end
        case 'vnet-hdr'
            __valectl_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'set'
                __valectl_parse_subcommand 2 'socket=' 'json' 'timeout=' 'version' 'h/help'
            end
        case 'apply'
            __valectl_parse_subcommand 0 'f/file=' 'dry-run' 'socket=' 'json' 'timeout=' 'version' 'h/help'
        case 'config'
            __valectl_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'show'
                __valectl_parse_subcommand 0 'socket=' 'json' 'timeout=' 'version' 'h/help'
            end
        case 'reload'
            __valectl_parse_subcommand 0 'socket=' 'json' 'timeout=' 'version' 'h/help'
        case 'teardown'
            __valectl_parse_subcommand 0 'socket=' 'json' 'timeout=' 'version' 'h/help'
        case 'events'
            __valectl_parse_subcommand 0 'socket=' 'json' 'timeout=' 'version' 'h/help'
        case 'module'
            __valectl_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'status'
                __valectl_parse_subcommand 0 'socket=' 'json' 'timeout=' 'version' 'h/help'
            case 'load'
                __valectl_parse_subcommand 0 'socket=' 'json' 'timeout=' 'version' 'h/help'
            case 'unload'
                __valectl_parse_subcommand 0 'force' 'socket=' 'json' 'timeout=' 'version' 'h/help'
            case 'reload'
                __valectl_parse_subcommand 0 'socket=' 'json' 'timeout=' 'version' 'h/help'
            end
        case 'nic'
            __valectl_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'show'
                __valectl_parse_subcommand 1 'socket=' 'json' 'timeout=' 'version' 'h/help'
            end
        case 'monitor'
            __valectl_parse_subcommand 1 'rx' 'tx' 'both' 'zero-copy' 'c=' 'w=' 'socket=' 'json' 'timeout=' 'version' 'h/help'
        case 'pipe'
            __valectl_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'create'
                __valectl_parse_subcommand 1 'slots=' 'socket=' 'json' 'timeout=' 'version' 'h/help'
            case 'delete'
                __valectl_parse_subcommand 1 'socket=' 'json' 'timeout=' 'version' 'h/help'
            case 'list'
                __valectl_parse_subcommand 0 'socket=' 'json' 'timeout=' 'version' 'h/help'
            case 'open'
                __valectl_parse_subcommand -r 2 'end=' 'socket=' 'json' 'timeout=' 'version' 'h/help'
            end
        case 'tunnel'
            __valectl_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'create'
                __valectl_parse_subcommand 1 'switch=' 'type=' 'vni=' 'remote=+' 'local=' 'dev=' 'port=' 'socket=' 'json' 'timeout=' 'version' 'h/help'
            case 'delete'
                __valectl_parse_subcommand 1 'socket=' 'json' 'timeout=' 'version' 'h/help'
            case 'list'
                __valectl_parse_subcommand 0 'socket=' 'json' 'timeout=' 'version' 'h/help'
            end
        case 'help'
            __valectl_parse_subcommand -r 1 'version'
        end
    end
end

function __valectl_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __valectl_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __valectl_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __valectl_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__valectl_tokens -p)
    if test -z "$(__valectl_tokens -t)"
        set -l index (count (__valectl_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'valectl' -f
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl" version' -l 'version' -d 'Show the version.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_positional "valectl" -eq 1' -fa 'status' -d 'Show valed\'s version, datapath, module state, counts and the last reconcile.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_positional "valectl" -eq 1' -fa 'list' -d 'List switches and their ports.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_positional "valectl" -eq 1' -fa 'attach' -d 'Attach a NIC or persistent port to a switch.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_positional "valectl" -eq 1' -fa 'detach' -d 'Detach a NIC or persistent port from a switch.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_positional "valectl" -eq 1' -fa 'port' -d 'Create, delete and show persistent ports.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_positional "valectl" -eq 1' -fa 'polling' -d 'Start or stop kernel polling threads for an attached NIC.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_positional "valectl" -eq 1' -fa 'vnet-hdr' -d 'Set the virtio-net header length of a port.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_positional "valectl" -eq 1' -fa 'apply' -d 'Make the whole desired state equal to a configuration file.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_positional "valectl" -eq 1' -fa 'config' -d 'Show the desired state.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_positional "valectl" -eq 1' -fa 'reload' -d 'Re-read the configuration file and reconcile (like SIGHUP).'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_positional "valectl" -eq 1' -fa 'teardown' -d 'Undo everything valed owns: detach and delete its ports, restore NICs.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_positional "valectl" -eq 1' -fa 'events' -d 'Follow state changes as they happen.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_positional "valectl" -eq 1' -fa 'module' -d 'Show, load, unload or reload the netmap kernel module.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_positional "valectl" -eq 1' -fa 'nic' -d 'Show NICs as valed sees them.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_positional "valectl" -eq 1' -fa 'monitor' -d 'Capture the frames of a port.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_positional "valectl" -eq 1' -fa 'pipe' -d 'Manage netmap pipes that valed holds open.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_positional "valectl" -eq 1' -fa 'tunnel' -d 'Create, delete and list overlay ports (VXLAN and Geneve tunnels to other hosts).'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_positional "valectl" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl status" socket' -l 'socket' -d 'The control socket of valed (default: $VALED_SOCKET, else /run/valed/valed.sock).' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl status" json' -l 'json' -d 'Print the reply as JSON (stable, documented fields; see docs/protocol.md).'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl status" timeout' -l 'timeout' -d 'Seconds to wait for valed to accept and answer.' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl status" version' -l 'version' -d 'Show the version.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl status" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl list" socket' -l 'socket' -d 'The control socket of valed (default: $VALED_SOCKET, else /run/valed/valed.sock).' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl list" json' -l 'json' -d 'Print the reply as JSON (stable, documented fields; see docs/protocol.md).'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl list" timeout' -l 'timeout' -d 'Seconds to wait for valed to accept and answer.' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl list" version' -l 'version' -d 'Show the version.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl attach" host-stack' -l 'host-stack' -d 'Also connect the NIC\'s host stack (port IF^).'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl attach" force' -l 'force' -d 'Skip the veth-peer safety check.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl attach" socket' -l 'socket' -d 'The control socket of valed (default: $VALED_SOCKET, else /run/valed/valed.sock).' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl attach" json' -l 'json' -d 'Print the reply as JSON (stable, documented fields; see docs/protocol.md).'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl attach" timeout' -l 'timeout' -d 'Seconds to wait for valed to accept and answer.' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl attach" version' -l 'version' -d 'Show the version.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl attach" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl detach" socket' -l 'socket' -d 'The control socket of valed (default: $VALED_SOCKET, else /run/valed/valed.sock).' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl detach" json' -l 'json' -d 'Print the reply as JSON (stable, documented fields; see docs/protocol.md).'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl detach" timeout' -l 'timeout' -d 'Seconds to wait for valed to accept and answer.' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl detach" version' -l 'version' -d 'Show the version.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl detach" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl port" version' -l 'version' -d 'Show the version.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl port" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_positional "valectl port" -eq 1' -fa 'create' -d 'Create a persistent port, and attach it to a switch with --switch.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_positional "valectl port" -eq 1' -fa 'delete' -d 'Delete a persistent port, detaching it first.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_positional "valectl port" -eq 1' -fa 'show' -d 'Show a port: kind, owner, attachments, rings, memory region, vnet header, counters.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl port create" switch' -l 'switch' -d 'Attach the new port to this switch.' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl port create" tx-slots' -l 'tx-slots' -d 'Slots per transmit ring (1-4096).' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl port create" rx-slots' -l 'rx-slots' -d 'Slots per receive ring (1-4096).' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl port create" tx-rings' -l 'tx-rings' -d 'Transmit rings (1-16).' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl port create" rx-rings' -l 'rx-rings' -d 'Receive rings (1-16).' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl port create" socket' -l 'socket' -d 'The control socket of valed (default: $VALED_SOCKET, else /run/valed/valed.sock).' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl port create" json' -l 'json' -d 'Print the reply as JSON (stable, documented fields; see docs/protocol.md).'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl port create" timeout' -l 'timeout' -d 'Seconds to wait for valed to accept and answer.' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl port create" version' -l 'version' -d 'Show the version.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl port create" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl port delete" socket' -l 'socket' -d 'The control socket of valed (default: $VALED_SOCKET, else /run/valed/valed.sock).' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl port delete" json' -l 'json' -d 'Print the reply as JSON (stable, documented fields; see docs/protocol.md).'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl port delete" timeout' -l 'timeout' -d 'Seconds to wait for valed to accept and answer.' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl port delete" version' -l 'version' -d 'Show the version.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl port delete" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl port show" socket' -l 'socket' -d 'The control socket of valed (default: $VALED_SOCKET, else /run/valed/valed.sock).' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl port show" json' -l 'json' -d 'Print the reply as JSON (stable, documented fields; see docs/protocol.md).'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl port show" timeout' -l 'timeout' -d 'Seconds to wait for valed to accept and answer.' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl port show" version' -l 'version' -d 'Show the version.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl port show" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl polling" version' -l 'version' -d 'Show the version.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl polling" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_positional "valectl polling" -eq 1' -fa 'enable' -d 'Start polling threads for an attached NIC.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_positional "valectl polling" -eq 1' -fa 'disable' -d 'Stop the polling threads of an attached NIC.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl polling enable" cpu' -l 'cpu' -d 'First CPU to run a polling thread on.' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl polling enable" cpus' -l 'cpus' -d 'Number of CPUs (one thread each).' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl polling enable" socket' -l 'socket' -d 'The control socket of valed (default: $VALED_SOCKET, else /run/valed/valed.sock).' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl polling enable" json' -l 'json' -d 'Print the reply as JSON (stable, documented fields; see docs/protocol.md).'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl polling enable" timeout' -l 'timeout' -d 'Seconds to wait for valed to accept and answer.' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl polling enable" version' -l 'version' -d 'Show the version.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl polling enable" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl polling disable" socket' -l 'socket' -d 'The control socket of valed (default: $VALED_SOCKET, else /run/valed/valed.sock).' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl polling disable" json' -l 'json' -d 'Print the reply as JSON (stable, documented fields; see docs/protocol.md).'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl polling disable" timeout' -l 'timeout' -d 'Seconds to wait for valed to accept and answer.' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl polling disable" version' -l 'version' -d 'Show the version.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl polling disable" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl vnet-hdr" version' -l 'version' -d 'Show the version.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl vnet-hdr" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_positional "valectl vnet-hdr" -eq 1' -fa 'set' -d 'Set the virtio-net header length of a port to 0, 10 or 12 bytes.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl vnet-hdr set" socket' -l 'socket' -d 'The control socket of valed (default: $VALED_SOCKET, else /run/valed/valed.sock).' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl vnet-hdr set" json' -l 'json' -d 'Print the reply as JSON (stable, documented fields; see docs/protocol.md).'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl vnet-hdr set" timeout' -l 'timeout' -d 'Seconds to wait for valed to accept and answer.' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl vnet-hdr set" version' -l 'version' -d 'Show the version.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl vnet-hdr set" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl apply" f file' -l 'file' -s 'f' -d 'The YAML configuration; - for standard input.' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl apply" dry-run' -l 'dry-run' -d 'Print the plan without changing anything.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl apply" socket' -l 'socket' -d 'The control socket of valed (default: $VALED_SOCKET, else /run/valed/valed.sock).' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl apply" json' -l 'json' -d 'Print the reply as JSON (stable, documented fields; see docs/protocol.md).'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl apply" timeout' -l 'timeout' -d 'Seconds to wait for valed to accept and answer.' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl apply" version' -l 'version' -d 'Show the version.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl apply" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl config" version' -l 'version' -d 'Show the version.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl config" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_positional "valectl config" -eq 1' -fa 'show' -d 'Print the desired state as YAML: the configuration file plus runtime changes.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl config show" socket' -l 'socket' -d 'The control socket of valed (default: $VALED_SOCKET, else /run/valed/valed.sock).' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl config show" json' -l 'json' -d 'Print the reply as JSON (stable, documented fields; see docs/protocol.md).'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl config show" timeout' -l 'timeout' -d 'Seconds to wait for valed to accept and answer.' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl config show" version' -l 'version' -d 'Show the version.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl config show" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl reload" socket' -l 'socket' -d 'The control socket of valed (default: $VALED_SOCKET, else /run/valed/valed.sock).' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl reload" json' -l 'json' -d 'Print the reply as JSON (stable, documented fields; see docs/protocol.md).'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl reload" timeout' -l 'timeout' -d 'Seconds to wait for valed to accept and answer.' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl reload" version' -l 'version' -d 'Show the version.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl reload" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl teardown" socket' -l 'socket' -d 'The control socket of valed (default: $VALED_SOCKET, else /run/valed/valed.sock).' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl teardown" json' -l 'json' -d 'Print the reply as JSON (stable, documented fields; see docs/protocol.md).'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl teardown" timeout' -l 'timeout' -d 'Seconds to wait for valed to accept and answer.' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl teardown" version' -l 'version' -d 'Show the version.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl teardown" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl events" socket' -l 'socket' -d 'The control socket of valed (default: $VALED_SOCKET, else /run/valed/valed.sock).' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl events" json' -l 'json' -d 'Print the reply as JSON (stable, documented fields; see docs/protocol.md).'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl events" timeout' -l 'timeout' -d 'Seconds to wait for valed to accept and answer.' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl events" version' -l 'version' -d 'Show the version.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl events" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl module" version' -l 'version' -d 'Show the version.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl module" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_positional "valectl module" -eq 1' -fa 'status' -d 'Show whether netmap is loaded, built in, absent or unsupported, and its parameters.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_positional "valectl module" -eq 1' -fa 'load' -d 'Load the netmap module with the configured options.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_positional "valectl module" -eq 1' -fa 'unload' -d 'Unload the netmap module.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_positional "valectl module" -eq 1' -fa 'reload' -d 'Reload netmap: save attachments, detach, unload, load, restore.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl module status" socket' -l 'socket' -d 'The control socket of valed (default: $VALED_SOCKET, else /run/valed/valed.sock).' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl module status" json' -l 'json' -d 'Print the reply as JSON (stable, documented fields; see docs/protocol.md).'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl module status" timeout' -l 'timeout' -d 'Seconds to wait for valed to accept and answer.' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl module status" version' -l 'version' -d 'Show the version.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl module status" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl module load" socket' -l 'socket' -d 'The control socket of valed (default: $VALED_SOCKET, else /run/valed/valed.sock).' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl module load" json' -l 'json' -d 'Print the reply as JSON (stable, documented fields; see docs/protocol.md).'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl module load" timeout' -l 'timeout' -d 'Seconds to wait for valed to accept and answer.' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl module load" version' -l 'version' -d 'Show the version.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl module load" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl module unload" force' -l 'force' -d 'Detach every port first instead of refusing.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl module unload" socket' -l 'socket' -d 'The control socket of valed (default: $VALED_SOCKET, else /run/valed/valed.sock).' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl module unload" json' -l 'json' -d 'Print the reply as JSON (stable, documented fields; see docs/protocol.md).'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl module unload" timeout' -l 'timeout' -d 'Seconds to wait for valed to accept and answer.' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl module unload" version' -l 'version' -d 'Show the version.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl module unload" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl module reload" socket' -l 'socket' -d 'The control socket of valed (default: $VALED_SOCKET, else /run/valed/valed.sock).' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl module reload" json' -l 'json' -d 'Print the reply as JSON (stable, documented fields; see docs/protocol.md).'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl module reload" timeout' -l 'timeout' -d 'Seconds to wait for valed to accept and answer.' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl module reload" version' -l 'version' -d 'Show the version.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl module reload" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl nic" version' -l 'version' -d 'Show the version.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl nic" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_positional "valectl nic" -eq 1' -fa 'show' -d 'Show a NIC: link state, driver, counters, and every setting valed changed with its saved value.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl nic show" socket' -l 'socket' -d 'The control socket of valed (default: $VALED_SOCKET, else /run/valed/valed.sock).' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl nic show" json' -l 'json' -d 'Print the reply as JSON (stable, documented fields; see docs/protocol.md).'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl nic show" timeout' -l 'timeout' -d 'Seconds to wait for valed to accept and answer.' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl nic show" version' -l 'version' -d 'Show the version.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl nic show" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl monitor" rx' -l 'rx' -d 'Capture frames the port receives.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl monitor" tx' -l 'tx' -d 'Capture frames the port transmits.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl monitor" both' -l 'both' -d 'Capture both directions.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl monitor" zero-copy' -l 'zero-copy' -d 'Use a zero-copy monitor (shares the port\'s memory; kernel datapath only).'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl monitor" c' -s 'c' -d 'Stop after this many frames.' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl monitor" w' -s 'w' -d 'Write pcap to this file; - for standard output.' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl monitor" socket' -l 'socket' -d 'The control socket of valed (default: $VALED_SOCKET, else /run/valed/valed.sock).' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl monitor" json' -l 'json' -d 'Print the reply as JSON (stable, documented fields; see docs/protocol.md).'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl monitor" timeout' -l 'timeout' -d 'Seconds to wait for valed to accept and answer.' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl monitor" version' -l 'version' -d 'Show the version.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl monitor" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl pipe" version' -l 'version' -d 'Show the version.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl pipe" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_positional "valectl pipe" -eq 1' -fa 'create' -d 'Create a pipe pair and hold it open.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_positional "valectl pipe" -eq 1' -fa 'delete' -d 'Close a pipe pair and forget it.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_positional "valectl pipe" -eq 1' -fa 'list' -d 'List pipes and the processes holding their ends.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_positional "valectl pipe" -eq 1' -fa 'open' -d 'Run a command with one end of a pipe as file descriptor 3.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl pipe create" slots' -l 'slots' -d 'Slots per ring (1-4096).' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl pipe create" socket' -l 'socket' -d 'The control socket of valed (default: $VALED_SOCKET, else /run/valed/valed.sock).' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl pipe create" json' -l 'json' -d 'Print the reply as JSON (stable, documented fields; see docs/protocol.md).'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl pipe create" timeout' -l 'timeout' -d 'Seconds to wait for valed to accept and answer.' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl pipe create" version' -l 'version' -d 'Show the version.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl pipe create" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl pipe delete" socket' -l 'socket' -d 'The control socket of valed (default: $VALED_SOCKET, else /run/valed/valed.sock).' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl pipe delete" json' -l 'json' -d 'Print the reply as JSON (stable, documented fields; see docs/protocol.md).'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl pipe delete" timeout' -l 'timeout' -d 'Seconds to wait for valed to accept and answer.' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl pipe delete" version' -l 'version' -d 'Show the version.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl pipe delete" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl pipe list" socket' -l 'socket' -d 'The control socket of valed (default: $VALED_SOCKET, else /run/valed/valed.sock).' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl pipe list" json' -l 'json' -d 'Print the reply as JSON (stable, documented fields; see docs/protocol.md).'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl pipe list" timeout' -l 'timeout' -d 'Seconds to wait for valed to accept and answer.' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl pipe list" version' -l 'version' -d 'Show the version.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl pipe list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl pipe open" end' -l 'end' -d 'Which end: master or slave.' -rfka 'master slave'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl pipe open" socket' -l 'socket' -d 'The control socket of valed (default: $VALED_SOCKET, else /run/valed/valed.sock).' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl pipe open" json' -l 'json' -d 'Print the reply as JSON (stable, documented fields; see docs/protocol.md).'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl pipe open" timeout' -l 'timeout' -d 'Seconds to wait for valed to accept and answer.' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl pipe open" version' -l 'version' -d 'Show the version.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl pipe open" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl tunnel" version' -l 'version' -d 'Show the version.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl tunnel" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_positional "valectl tunnel" -eq 1' -fa 'create' -d 'Create a VXLAN or Geneve device and attach it to a switch with --switch.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_positional "valectl tunnel" -eq 1' -fa 'delete' -d 'Detach a tunnel and delete its device.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_positional "valectl tunnel" -eq 1' -fa 'list' -d 'List the tunnels valed manages: type, VNI, remotes, switch, MTU, owner, state.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl tunnel create" switch' -l 'switch' -d 'Attach the tunnel to this switch.' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl tunnel create" type' -l 'type' -d 'vxlan or geneve.' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl tunnel create" vni' -l 'vni' -d 'The virtual network identifier, 0-16777215; both ends must use the same.' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl tunnel create"' -l 'remote' -d 'A remote VTEP\'s IPv4 or IPv6 address; repeat for several (VXLAN).' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl tunnel create" local' -l 'local' -d 'Source address of the encapsulated packets (VXLAN).' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl tunnel create" dev' -l 'dev' -d 'The underlay device (VXLAN); its MTU decides the tunnel\'s.' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl tunnel create" port' -l 'port' -d 'UDP destination port (default: 4789 for VXLAN, 6081 for Geneve).' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl tunnel create" socket' -l 'socket' -d 'The control socket of valed (default: $VALED_SOCKET, else /run/valed/valed.sock).' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl tunnel create" json' -l 'json' -d 'Print the reply as JSON (stable, documented fields; see docs/protocol.md).'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl tunnel create" timeout' -l 'timeout' -d 'Seconds to wait for valed to accept and answer.' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl tunnel create" version' -l 'version' -d 'Show the version.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl tunnel create" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl tunnel delete" socket' -l 'socket' -d 'The control socket of valed (default: $VALED_SOCKET, else /run/valed/valed.sock).' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl tunnel delete" json' -l 'json' -d 'Print the reply as JSON (stable, documented fields; see docs/protocol.md).'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl tunnel delete" timeout' -l 'timeout' -d 'Seconds to wait for valed to accept and answer.' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl tunnel delete" version' -l 'version' -d 'Show the version.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl tunnel delete" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl tunnel list" socket' -l 'socket' -d 'The control socket of valed (default: $VALED_SOCKET, else /run/valed/valed.sock).' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl tunnel list" json' -l 'json' -d 'Print the reply as JSON (stable, documented fields; see docs/protocol.md).'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl tunnel list" timeout' -l 'timeout' -d 'Seconds to wait for valed to accept and answer.' -rfka ''
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl tunnel list" version' -l 'version' -d 'Show the version.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl tunnel list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'valectl' -n '__valectl_should_offer_completions_for_flags_or_options "valectl help" version' -l 'version' -d 'Show the version.'
