// Package exception holds the nova exceptions that more than one service
// raises or catches: the "not found" family, UnexpectedTaskStateError and
// ObjectActionError. Each is registered with rpc.RegisterError under nova's
// class name, so a handler's error is rebuilt on the caller and errors.As
// finds it there, as nova re-raises exceptions from allowed_remote_exmods.
//
// Errors owned by one service stay in that service's package; they move here
// when a second service needs them.
package exception
