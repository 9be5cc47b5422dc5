package rpc

import "reflect"

// funcPC is the entry address of a function value, for locating handlers.
func funcPC(fn any) uintptr { return reflect.ValueOf(fn).Pointer() }
