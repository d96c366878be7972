# The quickstart: two functions of a small service.
#
# Run it against the in-process sandbox emulator (no AWS account needed):
#   cargo run -- -C examples/quickstart --sandbox apply --auto-approve
# The sandbox starts from sandbox.json: `hello` is pinned (Manual) on
# python3.11, so rtm lifts the pin before it changes the runtime.

settings {
  region = "us-east-1"
}

# Patched when its code or configuration is next deployed.
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

# Patched by Lambda as soon as a runtime version is released.
function "worker" {
  name = "rtm-quickstart-worker"

  runtime_management {
    update_runtime_on = "Auto"
  }

  configuration {
    environment {
      variables = {
        LOG_LEVEL = "info"
        API_TOKEN = "not-a-real-secret" # shown as (sensitive), stored only hashed
      }
    }
  }
}
