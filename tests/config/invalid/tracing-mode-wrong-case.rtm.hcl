# tracing modes are case sensitive
# expect: 6:14 did you mean "Active"
function "a" {
  configuration {
    tracing_config {
      mode = "active"
    }
  }
}
