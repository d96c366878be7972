# Lambda allows one file system
# expect: 9:5 at most one file_system_config
function "a" {
  configuration {
    file_system_config {
      arn              = "arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-0123456789abcdef0"
      local_mount_path = "/mnt/a"
    }
    file_system_config {
      arn              = "arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-0123456789abcdef1"
      local_mount_path = "/mnt/b"
    }
  }
}
