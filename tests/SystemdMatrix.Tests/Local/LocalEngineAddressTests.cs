using System.Net.Sockets;
using SystemdMatrix.Engines;
using SystemdMatrix.Local;

namespace SystemdMatrix.Tests.Local;

public sealed class LocalEngineAddressTests
{
    [Test]
    public void The_engine_option_beats_DOCKER_HOST_which_beats_the_default_socket()
    {
        Assert.Multiple(() =>
        {
            Assert.That(LocalEngineAddress.Resolve("unix:///tmp/a.sock", "unix:///tmp/b.sock"), Is.EqualTo(new LocalEngineAddress("/tmp/a.sock", "--engine")));
            Assert.That(LocalEngineAddress.Resolve(null, "unix:///run/user/1000/docker.sock"), Is.EqualTo(new LocalEngineAddress("/run/user/1000/docker.sock", "DOCKER_HOST")));
            Assert.That(LocalEngineAddress.Resolve(null, "/tmp/plain.sock").SocketPath, Is.EqualTo("/tmp/plain.sock"));
            Assert.That(LocalEngineAddress.Resolve(" ", null).SocketPath, Is.EqualTo(LocalEngineAddress.DefaultSocket));
            Assert.That(LocalEngineAddress.Resolve(null, null).Socket, Is.EqualTo(new Uri("unix:///var/run/docker.sock")));
        });
    }

    [TestCase("tcp://127.0.0.1:2375", "unix sockets only")]
    [TestCase("ssh://me@host", "unix sockets only")]
    [TestCase("docker.sock", "not an engine address")]
    public void Addresses_that_are_not_unix_sockets_are_refused_with_what_to_give_instead(string value, string why)
    {
        var refused = Assert.Throws<LocalEngineException>(() => LocalEngineAddress.Resolve(null, value))!;
        Assert.That(refused.Message, Does.Contain(why).And.Contain("DOCKER_HOST=" + value).And.Contain("unix://"));
    }

    [Test]
    public void A_missing_socket_is_named_with_where_it_came_from_and_how_to_point_elsewhere()
    {
        var address = LocalEngineAddress.Resolve(null, "unix:///nonexistent/systemd-matrix-test.sock");
        var refused = Assert.ThrowsAsync<LocalEngineException>(() => LocalEngine.ReadAsync(address, CancellationToken.None))!;
        Assert.That(refused.Message, Does.Contain("/nonexistent/systemd-matrix-test.sock").And.Contain("DOCKER_HOST").And.Contain("hosts up"));
    }

    [Test]
    public void A_socket_nobody_listens_on_is_named_with_the_kernels_reason()
    {
        var folder = Directory.CreateTempSubdirectory("smx-local-");
        try
        {
            var path = Path.Combine(folder.FullName, "dead.sock");
            // Bound but never listening: the file is there, a connect is refused (disposing the socket would unlink it).
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Bind(new UnixDomainSocketEndPoint(path));

            var refused = Assert.ThrowsAsync<LocalEngineException>(() => LocalEngine.ReadAsync(new LocalEngineAddress(path, "--engine"), CancellationToken.None))!;
            Assert.That(refused.Message, Does.StartWith($"cannot reach an engine at unix://{path} (--engine)").And.Contain("refused"));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [TestCase("1.41", "1.12", "1.41")]
    [TestCase("1.47", "1.24", "1.44")]
    [TestCase("1.52", "1.44", "1.44")]
    public void The_api_version_is_the_older_of_both_newest_within_the_engines_range(string newest, string oldest, string spoken) =>
        Assert.That(LocalEngine.Negotiate(new EngineVersion("x", newest, oldest, null), new LocalEngineAddress("/s", "test")), Is.EqualTo(Version.Parse(spoken)));

    [Test]
    public void An_engine_whose_oldest_api_is_newer_than_the_harness_is_refused_by_name()
    {
        var refused = Assert.Throws<LocalEngineException>(() => LocalEngine.Negotiate(new EngineVersion("35.0.0", "1.60", "1.50", null), new LocalEngineAddress("/s", "test")))!;
        Assert.That(refused.Message, Does.Contain("35.0.0").And.Contain("1.50 to 1.60").And.Contain("up to 1.44"));
    }

    [Test]
    public void Owner_labels_tell_a_running_owner_from_a_gone_one()
    {
        Assert.Multiple(() =>
        {
            Assert.That(LocalEngine.OwnerAlive(LocalEngine.Owner), Is.True);
            Assert.That(LocalEngine.OwnerAlive($"{Environment.ProcessId}:1"), Is.False, "same pid, another start time: a reused pid");
            Assert.That(LocalEngine.OwnerAlive("not-an-owner"), Is.False);
        });
    }
}
