package gatewayutil

// ZlibDetaches exposes the count of zlib-stream detaches to the external
// tests.
func ZlibDetaches() int64 { return zlibDetaches.Load() }
