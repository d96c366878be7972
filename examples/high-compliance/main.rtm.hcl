# A high-compliance account: every function must keep taking runtime
# patches (no Manual pins), and deprecated runtimes are forbidden outright.

settings {
  region = "us-east-1"
}

policy {
  allow_manual       = false
  forbidden_runtimes = ["python3.8", "python3.9", "nodejs16.x", "nodejs18.x", "java8"]
}

defaults {
  runtime_management {
    update_runtime_on = "Auto"
  }

  configuration {
    logging_config {
      log_format            = "JSON"
      application_log_level = "INFO"
      system_log_level      = "WARN"
    }
  }
}

function "payments" {
  name = "arn:aws:lambda:us-east-1:123456789012:function:payments"

  configuration {
    runtime     = "java21"
    memory_size = 2048
    timeout     = 30
    role        = "arn:aws:iam::123456789012:role/payments"
    kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"

    snap_start {
      apply_on = "PublishedVersions"
    }
  }
}

function "ledger" {
  name = "ledger"

  configuration {
    runtime = "python3.13"
    layers  = ["arn:aws:lambda:us-east-1:123456789012:layer:compliance-agent:12"]
  }
}
