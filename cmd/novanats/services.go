package main

// The services whose RPC methods this binary knows: importing them
// registers their method declarations (for rpc map) and, in later commands,
// runs them.
import (
	_ "github.com/novanats/novanats/services/compute"
	_ "github.com/novanats/novanats/services/conductor"
	_ "github.com/novanats/novanats/services/scheduler"
)
