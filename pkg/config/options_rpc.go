package config

import (
	"time"

	"github.com/novanats/novanats/pkg/rpc"
)

// RPC: oslo.messaging's options (rpc_response_timeout,
// executor_thread_pool_size, rpc_conn_pool_size) and nova/conf/rpc.py
// (long_rpc_timeout). oslo.messaging now keeps rpc_conn_pool_size under
// [oslo_messaging_rabbit]; it is declared in [DEFAULT], where oslo still
// reads it, because novanats has no rabbit section.
//
// Pools and timeouts have a minimum of 1 here although oslo has none: a
// pool of no workers never answers, and a timeout of 0 fails every call.
var rpcOptions = []*Option{
	{
		Group: DefaultGroup, Name: "rpc_response_timeout", Kind: Seconds, Min: limit(1),
		Default:  rpc.DefaultTimeout,
		Help:     "Seconds to wait for the reply to an RPC call",
		Services: AllServices,
	},
	{
		Group: DefaultGroup, Name: "long_rpc_timeout", Kind: Seconds, Min: limit(1),
		Default:  1800 * time.Second,
		Help:     "Seconds to wait for RPC calls that may take long (live migration checks, scheduling), instead of rpc_response_timeout",
		Services: AllServices,
	},
	{
		Group: DefaultGroup, Name: "executor_thread_pool_size", Kind: Int, Min: limit(1),
		Default:  rpc.DefaultWorkerPool,
		Help:     "How many RPC requests a service handles at once",
		Services: AllServices,
	},
	{
		Group: DefaultGroup, Name: "rpc_conn_pool_size", Kind: Int, Min: limit(1),
		Default:  30,
		Help:     "Size of the pool of RPC connections",
		Services: AllServices,
	},
}
