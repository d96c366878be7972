# A fleet: one block per kind of function, for_each over a map of workers,
# and defaults every function inherits unless it sets the field itself.

settings {
  region      = "us-east-1"
  parallelism = 8
}

variable "env" {
  default = "prod"
}

locals {
  workers = {
    resize    = { memory = 1024, timeout = 60 }
    thumbnail = { memory = 512, timeout = 30 }
    transcode = { memory = 3008, timeout = 900 }
  }
  api_routes = ["orders", "billing", "users"]
}

defaults {
  runtime_management {
    update_runtime_on = "Auto"
  }

  configuration {
    runtime = "python3.12"

    tracing_config {
      mode = "Active"
    }
  }
}

function "worker" {
  for_each = local.workers
  name     = "${each.key}-${var.env}"

  configuration {
    memory_size = each.value.memory
    timeout     = each.value.timeout

    environment {
      variables = {
        STAGE  = upper(var.env)
        WORKER = each.key
      }
    }
  }
}

function "api" {
  for_each = toset(local.api_routes)
  name     = format("api-%s-%s", each.value, var.env)

  # The API is latency-sensitive: take runtime patches with deployments only.
  runtime_management {
    update_runtime_on = "FunctionUpdate"
  }
}

function "legacy_report" {
  name = "arn:aws:lambda:us-east-1:123456789012:function:legacy-report"

  configuration {
    runtime     = "nodejs22.x"
    handler     = "index.handler"
    memory_size = 256
  }
}
