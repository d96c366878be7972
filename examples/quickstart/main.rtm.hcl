# The smallest useful rtm configuration: one function whose runtime is
# patched only when its code or configuration is next deployed.

settings {
  region = "us-east-1"
}

function "hello" {
  name = "rtm-quickstart-hello"

  runtime_management {
    update_runtime_on = "FunctionUpdate"
  }

  configuration {
    runtime     = "python3.12"
    memory_size = 256
    timeout     = 10
  }
}
