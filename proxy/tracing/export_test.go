package tracing

// ParseTraceparent exposes parseTraceparent to the package's tests.
var ParseTraceparent = parseTraceparent
