// Package rpc is nova's oslo.messaging RPC on NATS.
//
// A call is NATS request-reply, a cast is a publish without a reply subject,
// and a fanout cast is a publish on the topic's fanout subject that every
// server of the topic receives. The shapes are oslo.messaging's:
//
//	oslo.messaging                               novanats
//	Target(topic, server, namespace, version)    rpc.Target{Topic, Server, Namespace, Version}
//	client.prepare(server=h, version='6.0')      client.Prepare(rpc.ToServer(h), rpc.Version("6.0"))
//	cctxt.call(ctxt, 'm', **kw)                  client.Call(ctx, "m", args, &reply)
//	cctxt.cast(ctxt, 'm', **kw)                  client.Cast(ctx, "m", args)
//	version_cap / can_send_version               rpc.VersionCap / client.CanSendVersion
//	call_monitor_timeout                         rpc.CallMonitorTimeout (server heartbeats)
//	executor_thread_pool_size = 64               rpc.WorkerPool (default 64)
//
// Services name their methods once, as typed descriptors (DefineCall,
// DefineCast). The typed client stub and the handler registration both refer
// to that descriptor, so "find references" on it leads from a call site to
// its handler and back, and the compiler checks the argument and reply types
// on both sides.
//
// Subjects, with an optional prefix for cells:
//
//	<prefix><topic>             any server (queue group <topic>)
//	<prefix><topic>.<server>    exactly that server (server names may contain dots)
//	<prefix><topic>_fanout      every server of the topic (oslo's <topic>_fanout exchange)
package rpc
