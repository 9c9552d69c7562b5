// Package release holds no code: its tests check the distribution
// artefacts at the repository root (Dockerfile, scripts/build.sh,
// action.yml, deploy/kubernetes) so that they stay buildable and correct
// without a Docker engine or a cluster.
package release
