# Who may assume which role: computed from the variables alone (no data source, no provider), so
# terraform.test.ts evaluates this file with terraform itself and checks every subject.
#
# GitHub's default subject for a job that names an environment is
# repo:OWNER/REPO:environment:NAME, whatever branch it runs from; GitHub refuses the job before it
# gets a token when the environment's deployment branch policy excludes its branch. With the
# subject claim customised to include_claim_keys ["repo", "context", "job_workflow_ref"], the
# subject becomes repo:OWNER/REPO:environment:NAME:job_workflow_ref:OWNER/REPO/<file>@<ref>.
# https://docs.github.com/en/actions/reference/security/oidc#example-subject-claims
# Every subject below is exact: the trust policies compare them with StringEquals.
locals {
  subject_prefix = "repo:${var.github_repository}:environment:"

  # The reusable workflow whose job assumes each role, pinned to main when the claim includes it.
  workflow_files = { deploy = "reusable-deploy.yml", infra = "reusable-init.yml", destroy = "reusable-destroy.yml" }
  subject_suffix = {
    for job, file in local.workflow_files : job => var.subject_includes_job_workflow_ref ? ":job_workflow_ref:${var.github_repository}/.github/workflows/${file}@refs/heads/main" : ""
  }

  provision_environment_names = {
    for e in var.deploy_environments : e => lookup(var.provision_environments, e, { infra = "${e}-infra", destroy = "${e}-destroy" })
  }

  deploy_subjects = { for e in var.deploy_environments : e => ["${local.subject_prefix}${e}${local.subject_suffix.deploy}"] }
  provision_subjects = {
    for e in var.deploy_environments : e => [
      "${local.subject_prefix}${local.provision_environment_names[e].infra}${local.subject_suffix.infra}",
      "${local.subject_prefix}${local.provision_environment_names[e].destroy}${local.subject_suffix.destroy}",
    ]
  }
  # A pull request's token carries refs/pull/N/merge in every ref-bearing claim, so under the
  # customised claim no exact subject could name it: no plan role then.
  plan_subjects = var.plan_environment == "" || var.subject_includes_job_workflow_ref ? [] : ["${local.subject_prefix}${var.plan_environment}"]

  # Role key -> the environments it serves: one shared role, or one per environment.
  role_groups = var.role_per_environment ? { for e in var.deploy_environments : e => [e] } : { shared = var.deploy_environments }
  deploy_role_names = {
    for key, _ in local.role_groups : key => var.role_per_environment ? "${var.deploy_role_name}-${key}" : var.deploy_role_name
  }
  provision_role_names = {
    for key, _ in local.role_groups : key => var.role_per_environment ? "${var.deploy_role_name}-provision-${key}" : "${var.deploy_role_name}-provision"
  }

  # The state keys of each environment: <environment>/<stack>.tfstate, as the workflows pass them.
  state_keys = { for e in var.deploy_environments : e => [for s in var.state_stacks : "${e}/${s}.tfstate"] }

  trusted_subjects = {
    deploy    = { for key, envs in local.role_groups : local.deploy_role_names[key] => flatten([for e in envs : local.deploy_subjects[e]]) }
    provision = { for key, envs in local.role_groups : local.provision_role_names[key] => flatten([for e in envs : local.provision_subjects[e]]) }
    plan      = length(local.plan_subjects) > 0 ? { (var.plan_role_name) = local.plan_subjects } : {}
  }
  role_state_keys = {
    deploy    = { for key, envs in local.role_groups : local.deploy_role_names[key] => flatten([for e in envs : local.state_keys[e]]) }
    provision = { for key, envs in local.role_groups : local.provision_role_names[key] => flatten([for e in envs : local.state_keys[e]]) }
    plan      = length(local.plan_subjects) > 0 ? { (var.plan_role_name) = concat(flatten(values(local.state_keys)), [var.bootstrap_state_key]) } : {}
  }
}
