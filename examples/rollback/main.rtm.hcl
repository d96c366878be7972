# A rollback pin: runtime version v17 of python3.12 broke pydantic in the
# orders API, so its $LATEST is pinned to the previous version until a fix
# ships. Manual mode is a temporary mitigation: the pin carries a date after
# which plan proposes going back to Auto, and the reason for reviewers.

settings {
  region = "us-east-1"
}

policy {
  max_pin_days = 365
}

function "orders" {
  name = "orders-prod"

  runtime_management {
    update_runtime_on   = "Manual"
    runtime_version_arn = "arn:aws:lambda:us-east-1::runtime:792819f9bc2f2dbfe9e4461ed978debc27618331a97a2ab8ade446456a97056b"
    pin_until           = "2027-06-30"
    reason              = "python 3.12 runtime v17 breaks pydantic; see INC-2041"
  }

  configuration {
    runtime = "python3.12"
  }
}

# The published version behind the "live" alias keeps taking patches.
function "orders_v7" {
  name      = "orders-prod"
  qualifier = "7"

  runtime_management {
    update_runtime_on = "Auto"
  }
}
