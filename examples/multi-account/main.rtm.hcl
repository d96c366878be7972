# One configuration for an organisation's fleet: two accounts, each reached
# by assuming a role (in CI: OIDC web identity into a role per account; see
# the README), and the same function in two regions of each. One for_each
# over setproduct fans accounts x regions out; each instance is its own
# address, plan groups them by account and region, and each account-region
# is read and changed under its own quotas.

settings {
  region = "us-east-1"
}

account "prod" {
  assume_role_arn = "arn:aws:iam::111111111111:role/rtm"
  external_id     = "rtm-ci"
  account_id      = "111111111111"
}

account "staging" {
  assume_role_arn = "arn:aws:iam::222222222222:role/rtm"
  account_id      = "222222222222"
}

locals {
  places = setproduct(["prod", "staging"], ["us-east-1", "eu-west-1"])
}

defaults {
  runtime_management {
    update_runtime_on = "Auto"
  }
}

function "orders" {
  for_each = { for p in local.places : "${p[0]}/${p[1]}" => { account = p[0], region = p[1] } }
  account  = each.value.account
  region   = each.value.region
  name     = "orders"

  configuration {
    runtime     = "python3.12"
    memory_size = each.value.account == "prod" ? 1024 : 512
  }
}
