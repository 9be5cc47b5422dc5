// Package config configures novanats' services with nova's option names, so
// an operator's nova.conf knowledge carries over: the same sections, names,
// defaults and bounds, read from flags, environment variables and a
// nova.conf-style file.
//
// # Declaring and loading
//
// Every option is declared once, in the options_*.go file named after the
// nova module that defines it, as an Option: group, name, Kind, default,
// bounds, choices, help and the services that read it. A program takes its
// services' Set, registers it on its cobra FlagSet, loads, and binds a
// typed struct:
//
//	set := config.ForService(config.ServiceCompute)
//	set.RegisterFlags(cmd.Flags())
//	// after cobra parsed the flags:
//	vals, err := set.Load(config.Sources{Flags: cmd.Flags(), Env: os.Environ()})
//	var cfg config.Compute
//	err = vals.Bind(&cfg) // cfg.LiveMigrationDowntime, cfg.Migration(), ...
//	vals.Print(os.Stdout) // --print-config
//
// # Sources and their names
//
// Precedence, highest first: flag, environment, config file, default.
//
//   - Flag: the option's name with dashes, without its group:
//     --live-migration-completion-timeout. nova's spelling with underscores
//     (--live_migration_completion_timeout) is accepted too. Names are unique
//     across all groups.
//   - Environment: NOVANATS_<GROUP>__<NAME>, upper case, the group always
//     present and followed by a double underscore:
//     NOVANATS_LIBVIRT__LIVE_MIGRATION_COMPLETION_TIMEOUT,
//     NOVANATS_DEFAULT__REPORT_INTERVAL. NOVANATS_ variables without "__"
//     are not options and are ignored.
//   - File: nova.conf's INI dialect as oslo.config reads it ([DEFAULT],
//     [libvirt], name = value; see parseINI), named by --config-file, else
//     NOVANATS_CONFIG_FILE, else Sources.File.
//
// Values are written as in nova.conf in every source: booleans as
// true/false, yes/no, on/off or 1/0; lists comma-separated; durations as
// whole seconds.
//
// # Mistakes
//
// Load stops start-up on any mistake, naming the source (flag --x, env X,
// file path:line), the option and what is wrong: a value that does not
// parse, is out of bounds or not among the choices; an option or section no
// novanats service declares. An option another service declares is not a
// mistake in the environment or the file: like nova.conf, one file may
// serve every service on a host. An unknown flag is pflag's parse error.
//
// # Start-up rules
//
// Some values nova adjusts instead of refusing (rules.go): the
// live-migration downtime settings below nova's minimums are raised to them
// (virt's minimums), service_down_time not longer than report_interval
// becomes 2.5 x report_interval (servicegroup's rule), [conductor] workers 0
// becomes the CPU count. Each logs a warning where nova does, and
// Values.Print shows what changed.
package config
