# an attribute outside any block
# expect: 3:1 at the top level
region = "us-east-1"
