// The deployment files: every YAML parses and carries the fields that matter, the
// Prometheus and Alertmanager configs pass promtool / amtool, the systemd unit passes
// systemd-analyze, the shipped agent.toml files pass `flexport-agent validate`, and the
// Docker runtime stage installs every library the binaries link.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <regex>
#include <set>
#include <sstream>

#include "tests/ecosystem/stack.h"
#include "tests/support/ci_skip.h"

namespace fxagent::ecosystem {
namespace {

namespace fs = std::filesystem;
using testing::ReadFile;
using testing::RunCommand;
using testing::RunResult;
using testing::TempDir;
using testing::WriteFile;

std::vector<YAML::Node> LoadAll(const std::string& rel) {
  return YAML::LoadAll(ReadFile(SourcePath(rel)));
}

YAML::Node FindKind(const std::vector<YAML::Node>& docs, const std::string& kind) {
  for (const auto& d : docs) {
    if (d["kind"] && d["kind"].as<std::string>() == kind) return d;
  }
  return YAML::Node();
}

TEST(DeployYaml, EveryYamlFileParses) {
  size_t files = 0;
  for (const std::string root : {"deploy", "dashboards/provisioning"}) {
    for (const auto& e : fs::recursive_directory_iterator(SourcePath(root))) {
      const std::string ext = e.path().extension();
      if (ext != ".yml" && ext != ".yaml") continue;
      ++files;
      SCOPED_TRACE(e.path().string());
      std::vector<YAML::Node> docs;
      EXPECT_NO_THROW(docs = YAML::LoadAll(ReadFile(e.path())));
      EXPECT_FALSE(docs.empty());
      for (const auto& d : docs) EXPECT_TRUE(d.IsMap());
    }
  }
  EXPECT_GE(files, 10u);
}

TEST(DeployYaml, GrafanaProvisioningPointsAtPrometheusAndTheDashboards) {
  auto ds = YAML::LoadFile(SourcePath("dashboards/provisioning/datasources/prometheus.yml"));
  EXPECT_EQ(ds["apiVersion"].as<int>(), 1);
  EXPECT_EQ(ds["datasources"][0]["type"].as<std::string>(), "prometheus");
  EXPECT_FALSE(ds["datasources"][0]["url"].as<std::string>().empty());
  auto db = YAML::LoadFile(SourcePath("dashboards/provisioning/dashboards/flexport.yml"));
  EXPECT_EQ(db["providers"][0]["type"].as<std::string>(), "file");
  EXPECT_FALSE(db["providers"][0]["options"]["path"].as<std::string>().empty());
}

TEST(DeployPrometheus, PromtoolAcceptsTheConfigAndItsRules) {
  ASSERT_TRUE(ToolAvailable(FXAGENT_PROMTOOL_BIN)) << "install the Debian package prometheus";
  TempDir dir;
  RunResult r = RunCommand(dir.path(), {FXAGENT_PROMTOOL_BIN, "check", "config",
                                        SourcePath("deploy/prometheus/prometheus.yml")});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("1 rule files found"), std::string::npos) << r.out;

  auto config = YAML::LoadFile(SourcePath("deploy/prometheus/prometheus.yml"));
  const fs::path rules =
      fs::path(SourcePath("deploy/prometheus")) / config["rule_files"][0].as<std::string>();
  EXPECT_EQ(fs::weakly_canonical(rules),
            fs::weakly_canonical(SourcePath("rules/prometheus/flexport.rules.yml")));
  EXPECT_EQ(config["scrape_configs"][0]["static_configs"][0]["targets"][0].as<std::string>(),
            "127.0.0.1:9464");
  EXPECT_TRUE(config["alerting"]["alertmanagers"]);

  auto k8s = YAML::LoadFile(SourcePath("deploy/kubernetes/prometheus-scrape.yml"));
  EXPECT_TRUE(k8s["scrape_configs"][0]["kubernetes_sd_configs"]);
}

TEST(DeployAlertmanager, AmtoolAcceptsTheConfigAndRoutesBySeverity) {
  ASSERT_TRUE(ToolAvailable(FXAGENT_AMTOOL_BIN)) << "install prometheus-alertmanager";
  TempDir dir;
  const std::string config = SourcePath("deploy/alertmanager/alertmanager.yml");
  RunResult r = RunCommand(dir.path(), {FXAGENT_AMTOOL_BIN, "check-config", config});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  struct Case {
    std::string severity, receivers;
  };
  for (const Case& c : std::vector<Case>{{"P1", "flexport-paging,flexport-slack-incidents"},
                                         {"P2", "flexport-paging,flexport-slack-incidents"},
                                         {"P3", "flexport-slack"},
                                         {"P4", "flexport-slack"}}) {
    RunResult route = RunCommand(
        dir.path(), {FXAGENT_AMTOOL_BIN, "config", "routes", "test", "--config.file=" + config,
                     "alertname=FlexportApiDown", "component=api", "severity=" + c.severity});
    EXPECT_EQ(route.status, 0) << route.err;
    EXPECT_EQ(route.out.substr(0, route.out.find('\n')), c.receivers) << c.severity;
  }
  // The agent's default inhibition: P1 mutes P2-P4 of the same component.
  auto am = YAML::LoadFile(config);
  ASSERT_EQ(am["inhibit_rules"].size(), 1u);
  EXPECT_EQ(am["inhibit_rules"][0]["source_matchers"][0].as<std::string>(), "severity=\"P1\"");
  EXPECT_EQ(am["inhibit_rules"][0]["target_matchers"][0].as<std::string>(),
            "severity=~\"P2|P3|P4\"");
  EXPECT_EQ(am["inhibit_rules"][0]["equal"][0].as<std::string>(), "component");
}

// Every ${VAR} without a default must be provided; returns the missing ones.
std::set<std::string> RequiredVariables(const std::string& toml) {
  static const std::regex kVar(R"(\$\{([A-Za-z_][A-Za-z0-9_]*)\})");
  std::set<std::string> out;
  for (auto it = std::sregex_iterator(toml.begin(), toml.end(), kVar); it != std::sregex_iterator();
       ++it) {
    out.insert((*it)[1]);
  }
  return out;
}

TEST(DeployKubernetes, SidecarDeploymentIsCompleteAndConsistent) {
  auto deployment = FindKind(LoadAll("deploy/kubernetes/deployment.yaml"), "Deployment");
  ASSERT_TRUE(deployment);
  const auto pod = deployment["spec"]["template"];
  const auto annotations = pod["metadata"]["annotations"];
  EXPECT_EQ(annotations["prometheus.io/scrape"].as<std::string>(), "true");
  EXPECT_EQ(annotations["prometheus.io/port"].as<std::string>(), "9464");
  EXPECT_EQ(annotations["prometheus.io/path"].as<std::string>(), "/metrics");
  EXPECT_TRUE(pod["spec"]["securityContext"]["runAsNonRoot"].as<bool>());

  YAML::Node agent;
  for (const auto& c : pod["spec"]["containers"]) {
    if (c["name"].as<std::string>() == "flexport-agent") agent.reset(c);
  }
  ASSERT_TRUE(agent) << "no flexport-agent container";
  ASSERT_GE(pod["spec"]["containers"].size(), 2u) << "the agent must sit next to an app";
  std::map<std::string, int> ports;
  for (const auto& p : agent["ports"])
    ports[p["name"].as<std::string>()] = p["containerPort"].as<int>();
  EXPECT_EQ(ports,
            (std::map<std::string, int>{{"webhooks", 8080}, {"internal", 9464}, {"egress", 9465}}));
  EXPECT_EQ(agent["livenessProbe"]["httpGet"]["path"].as<std::string>(), "/healthz");
  EXPECT_EQ(agent["livenessProbe"]["httpGet"]["port"].as<std::string>(), "internal");
  EXPECT_EQ(agent["readinessProbe"]["httpGet"]["path"].as<std::string>(), "/readyz");
  EXPECT_EQ(agent["readinessProbe"]["httpGet"]["port"].as<std::string>(), "internal");
  EXPECT_TRUE(agent["resources"]["requests"]["memory"]);
  EXPECT_TRUE(agent["resources"]["limits"]["memory"]);
  const auto sc = agent["securityContext"];
  EXPECT_TRUE(sc["readOnlyRootFilesystem"].as<bool>());
  EXPECT_FALSE(sc["allowPrivilegeEscalation"].as<bool>());
  EXPECT_EQ(sc["capabilities"]["drop"][0].as<std::string>(), "ALL");

  // The ConfigMap's agent.toml: valid, data_dir on a volume, internal port = probe port,
  // every secret variable set from the Secret (or the downward API).
  auto configmap = FindKind(LoadAll("deploy/kubernetes/configmap.yaml"), "ConfigMap");
  ASSERT_TRUE(configmap);
  const std::string toml = configmap["data"]["agent.toml"].as<std::string>();
  std::map<std::string, std::string> mounts;
  for (const auto& m : agent["volumeMounts"]) {
    mounts[m["mountPath"].as<std::string>()] = m["name"].as<std::string>();
  }
  EXPECT_TRUE(mounts.count("/var/lib/flexport-agent"));
  EXPECT_TRUE(mounts.count("/etc/flexport-agent"));
  EXPECT_NE(toml.find("data_dir = \"/var/lib/flexport-agent\""), std::string::npos);
  EXPECT_NE(toml.find("internal = \"0.0.0.0:9464\""), std::string::npos);
  EXPECT_NE(toml.find("public = \"0.0.0.0:8080\""), std::string::npos);
  EXPECT_NE(toml.find("egress = \"127.0.0.1:9465\""), std::string::npos);

  auto secret = FindKind(LoadAll("deploy/kubernetes/secret.example.yaml"), "Secret");
  ASSERT_TRUE(secret);
  std::set<std::string> env_names;
  std::vector<std::string> env = {};
  for (const auto& e : agent["env"]) {
    const std::string name = e["name"].as<std::string>();
    env_names.insert(name);
    std::string value = "placeholder";
    if (e["valueFrom"]["secretKeyRef"]) {
      const auto ref = e["valueFrom"]["secretKeyRef"];
      EXPECT_EQ(ref["name"].as<std::string>(), secret["metadata"]["name"].as<std::string>());
      const auto example = secret["stringData"][ref["key"].as<std::string>()];
      EXPECT_TRUE(example) << ref["key"];
      // The example Secret's value, so that its documented shape (a storage URL) validates.
      if (example) value = example.as<std::string>();
    }
    env.push_back(name + "=" + value);
  }
  for (const auto& var : RequiredVariables(toml)) {
    EXPECT_TRUE(env_names.count(var)) << "agent.toml needs ${" << var << "}";
  }
  TempDir dir;
  WriteFile(dir.path() + "/agent.toml", toml);
  RunResult v = RunCommand(dir.path(),
                           {FXAGENT_AGENT_BIN, "validate", "-c", dir.path() + "/agent.toml"}, env);
  EXPECT_EQ(v.status, 0) << v.out << v.err;

  for (const auto& doc : LoadAll("deploy/kubernetes/kustomization.yaml")) {
    for (const auto& r : doc["resources"]) {
      EXPECT_TRUE(fs::exists(SourcePath("deploy/kubernetes/" + r.as<std::string>()))) << r;
    }
  }
  auto service = FindKind(LoadAll("deploy/kubernetes/service.yaml"), "Service");
  ASSERT_TRUE(service);
  EXPECT_EQ(service["spec"]["ports"][0]["targetPort"].as<std::string>(), "webhooks");
}

TEST(DeployDocker, AgentTomlValidatesAndRuntimeStageHasEveryLinkedLibrary) {
  TempDir dir;
  RunResult v = RunCommand(
      dir.path(), {FXAGENT_AGENT_BIN, "validate", "-c", SourcePath("deploy/docker/agent.toml")},
      {"FLEXPORT_API_KEY=x", "FLEXPORT_WEBHOOK_SECRET=y"});
  EXPECT_EQ(v.status, 0) << v.out << v.err;

  const std::string dockerfile = ReadFile(SourcePath("Dockerfile"));
  std::istringstream lines(dockerfile);
  std::vector<std::string> froms;
  std::string runtime_stage, line;
  for (bool in_runtime = false; std::getline(lines, line);) {
    if (line.rfind("FROM ", 0) == 0) {
      froms.push_back(line);
      in_runtime = froms.size() == 2;
    }
    if (in_runtime) runtime_stage += line + "\n";
  }
  ASSERT_EQ(froms.size(), 2u) << "expected a build and a runtime stage";
  EXPECT_NE(froms[0].find("debian:12"), std::string::npos);
  EXPECT_NE(froms[1].find("debian:12"), std::string::npos);
  EXPECT_TRUE(std::regex_search(runtime_stage, std::regex(R"(\nUSER [1-9][0-9]*)")))
      << "the runtime stage must run as a numeric non-root user";
  EXPECT_NE(runtime_stage.find("flexport-agent"), std::string::npos);
  EXPECT_NE(runtime_stage.find("flexport-sim"), std::string::npos);
  EXPECT_EQ(runtime_stage.find("-dev"), std::string::npos) << "no -dev packages at run time";

  // Every DT_NEEDED library of the two binaries comes from a package the runtime stage
  // installs (or from the base image).
  const std::set<std::string> base = {"libc6", "libstdc++6", "libgcc-s1", "zlib1g"};
  for (const std::string bin : {FXAGENT_AGENT_BIN, FXAGENT_SIM_BIN}) {
    RunResult needed = RunCommand(
        dir.path(), {"/bin/sh", "-c",
                     "for l in $(objdump -p '" + bin +
                         "' | awk '/NEEDED/{print $2}'); do "
                         "p=$(ldconfig -p | awk -v l=$l '$1==l{print $NF; exit}'); "
                         "dpkg -S \"$(readlink -f $p)\" 2>/dev/null || dpkg -S \"$p\"; done | "
                         "cut -d: -f1 | sort -u"});
    ASSERT_EQ(needed.status, 0) << needed.err;
    std::istringstream pkgs(needed.out);
    size_t count = 0;
    for (std::string pkg; std::getline(pkgs, pkg);) {
      if (pkg.empty() || base.count(pkg)) continue;
      ++count;
      EXPECT_TRUE(std::regex_search(
          runtime_stage,
          std::regex("\\s" + std::regex_replace(pkg, std::regex(R"([.+])"), R"(\$&)") + "\\s")))
          << bin << " links a library from " << pkg << ", which the runtime stage does not install";
    }
    EXPECT_GE(count, 2u) << needed.out;
  }
  const std::string ignore = ReadFile(SourcePath(".dockerignore"));
  EXPECT_NE(ignore.find("build-*"), std::string::npos);
}

TEST(DeploySystemd, UnitIsHardenedAndVerifies) {
  const std::string unit = ReadFile(SourcePath("deploy/systemd/flexport-agent.service"));
  for (const std::string directive :
       {"ProtectSystem=strict", "StateDirectory=flexport-agent", "NoNewPrivileges=yes",
        "PrivateTmp=yes", "CapabilityBoundingSet=\n", "Restart=on-failure",
        "EnvironmentFile=/etc/flexport-agent/agent.env", "ReadWritePaths=/var/lib/flexport-agent\n",
        "User=flexport-agent", "-c /etc/flexport-agent/agent.toml"}) {
    EXPECT_NE(unit.find(directive), std::string::npos) << directive;
  }
  if (!ToolAvailable(FXAGENT_SYSTEMD_ANALYZE_BIN)) {
    FXAGENT_SKIP_OR_FAIL_IN_CI()
        << "systemd-analyze not installed (Debian package systemd): unit not verified";
  }
  // verify checks that ExecStart exists: point it at the binary we built.
  TempDir dir;
  const std::string copy = dir.path() + "/flexport-agent.service";
  WriteFile(copy, std::regex_replace(unit, std::regex("/usr/local/bin/flexport-agent"),
                                     FXAGENT_AGENT_BIN));
  RunResult verify = RunCommand(dir.path(), {FXAGENT_SYSTEMD_ANALYZE_BIN, "verify", copy});
  EXPECT_EQ(verify.status, 0) << verify.out << verify.err;
  EXPECT_EQ(verify.err, "") << "systemd-analyze verify warnings";
  // Exposure score 2.5 or better ("OK") on systemd's hardening scale.
  RunResult security = RunCommand(dir.path(), {FXAGENT_SYSTEMD_ANALYZE_BIN, "security",
                                               "--offline=yes", "--threshold=25", copy});
  EXPECT_EQ(security.status, 0) << security.out << security.err;
}

}  // namespace
}  // namespace fxagent::ecosystem
