#include "codegen/subprocess.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "ir/errors.h"

extern char **environ;

namespace kiln::codegen {

std::string c_compiler() {
  const char *cc = std::getenv("CC");
  return cc && *cc ? cc : "cc";
}

void run_command(const std::vector<std::string> &argv, const std::string &cwd) {
  std::string log = cwd + "/.command.log";
  std::vector<char *> args;
  for (const auto &a : argv) args.push_back(const_cast<char *>(a.c_str()));
  args.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  // posix_spawn has no portable chdir action before glibc 2.29's _np variant.
  posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);

  std::string cmd;
  for (const auto &a : argv) cmd += (cmd.empty() ? "" : " ") + a;
  if (rc != 0) throw UserError("could not run '" + cmd + "': " + std::string(strerror(rc)));
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;

  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  std::string output = text.str();
  if (output.size() > 2000) output = "..." + output.substr(output.size() - 2000);
  throw UserError("'" + cmd + "' failed:\n" + output);
}

}  // namespace kiln::codegen
