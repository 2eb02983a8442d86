package gateway

// AddCounts lets the tests count a batch as an instance with another clock
// would.
var AddCounts = addCounts
