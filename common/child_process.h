// Starting a command the pipeline runs on the user's behalf (an external trainer, a model
// server) so that it never outlives the pipeline: fork + exec with its stdout and stderr on one
// descriptor, its environment additions, its working directory, and SIGTERM when this process
// dies (PR_SET_PDEATHSIG).
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace qb {

struct ChildCommand {
  std::vector<std::string> argv;           // argv[0] is looked up on PATH
  std::map<std::string, std::string> env;  // added to (or replacing in) the environment
  std::string cwd;                         // "" = this process's working directory
  // true: the child leads a process group of its own, so stop_child_group() reaches the workers
  // it starts (vLLM, torchrun), and a terminal's Ctrl-C reaches only this process.
  bool own_process_group = false;
};

// A command's "command" (non-empty list of strings) and "env" (object of strings) as a user writes
// them in a config; InputError(where, key, …) naming the bad element.
std::vector<std::string> argv_from_json(const nlohmann::json& v, const std::string& where, const std::string& key);
std::map<std::string, std::string> env_from_json(const nlohmann::json& v, const std::string& where,
                                                 const std::string& key);

// Starts the command with stdout and stderr on `out_fd` and returns its pid. A cwd that cannot be
// entered or a program that cannot be run makes the child print why (on out_fd) and exit 127.
// Throws std::runtime_error when fork fails.
pid_t spawn_child(const ChildCommand& c, int out_fd);

// The exit status as a shell reports it: the exit code, or 128 + N when killed by signal N.
int exit_status_of(int wait_status);

// SIGTERM to the child's process group, SIGKILL after `grace_s`; reaps the child and returns its
// exit status (exit_status_of). For children started with own_process_group.
int stop_child_group(pid_t pid, double grace_s);

}  // namespace qb
