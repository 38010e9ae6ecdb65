using SystemdMatrix.Model;
using SystemdMatrix.Reporting;
using SystemdMatrix.Results;
using SystemdMatrix.Signatures;
using SystemdMatrix.Tests.Results;

namespace SystemdMatrix.Tests.Signatures;

public sealed class FixClaimTests
{
    private static readonly HostSpec Trixie = HostSpec.Vm("trixie", HostCgroupMode.V2);
    private static readonly HostIdentity TrixieHost = Records.Vm("trixie", "26.1.5", HostCgroupMode.V2);
    private static readonly RunProfile ReadOnlyBind = new(CgroupnsMode.EngineDefault, CgroupMount.ReadOnlyBind, Privilege.None, true);
    private static readonly RunProfile HostRw = new(CgroupnsMode.Host, CgroupMount.ReadWriteBind, Privilege.None, true);
    private static readonly Signature ReadOnly = SignatureCatalogue.Default.Find("cgroup-readonly")!;

    private static Fix HostRwFix => new("--cgroupns=host -v /sys/fs/cgroup:/sys/fs/cgroup:rw", "why")
    {
        ProvenBy = new FixClaim(new FixScope(["v2"], null, null, null, null, null, null, null, null), new FixChange("host", "rw", null, null, null, null, null, null)),
    };

    private static CellRecord Cell(RunProfile run, Verdict verdict, string image = "debian-bookworm") =>
        Records.Of($"{Trixie.Name}/{image}/default/{run.Key}", verdict, TrixieHost, run, image: image, hostSpec: Trixie);

    private static Verdict Failed(string signature) => Verdict.Failed(signature, 255, ["line"]);

    private static Verdict Booted => Verdict.Booted("running", [], ["Reached target multi-user.target"]);

    [Test]
    public void A_fixed_cell_that_boots_where_the_signature_occurs_proves_the_fix()
    {
        var evidence = FixEvidence.Weigh(ReadOnly, HostRwFix, [Cell(ReadOnlyBind, Failed("cgroup-readonly")), Cell(HostRw, Booted)]);

        Assert.That(evidence.Proven, Is.True);
        Assert.That(evidence.Proof.Single().Cell.Run, Is.EqualTo(HostRw));
    }

    [Test]
    public void A_fixed_cell_that_fails_the_same_way_refutes_it_and_a_refusal_or_another_failure_does_not()
    {
        var sameAgain = FixEvidence.Weigh(ReadOnly, HostRwFix, [Cell(ReadOnlyBind, Failed("cgroup-readonly")), Cell(HostRw, Failed("cgroup-readonly")), Cell(ReadOnlyBind, Failed("cgroup-readonly"), "seed-replica"), Cell(HostRw, Booted, "seed-replica")]);
        var refused = FixEvidence.Weigh(ReadOnly, HostRwFix, [Cell(ReadOnlyBind, Failed("cgroup-readonly")), Cell(HostRw, Verdict.EngineRefused("no"))]);
        var otherObstacle = FixEvidence.Weigh(ReadOnly, HostRwFix, [Cell(ReadOnlyBind, Failed("cgroup-readonly")), Cell(HostRw, Failed("cgroup-missing")), Cell(ReadOnlyBind, Failed("cgroup-readonly"), "seed-replica"), Cell(HostRw, Booted, "seed-replica")]);

        Assert.Multiple(() =>
        {
            Assert.That(sameAgain.Proven, Is.False, "one image boots with the fix, the other still fails with the signature");
            Assert.That(sameAgain.Refutations.Single().Fixed.Cell.Image, Is.EqualTo("debian-bookworm"));
            Assert.That((refused.Proven, refused.Refutations.Count, refused.Unavailable.Count), Is.EqualTo((false, 0, 1)), "refused: not available on that host, neither proof nor refutation");
            Assert.That(otherObstacle.Proven, Is.True, "past the signature, a different failure is another problem");
            Assert.That(otherObstacle.OtherObstacles.Single().Verdict.Signature, Is.EqualTo("cgroup-missing"));
        });
    }

    [Test]
    public void Cells_outside_the_claims_scope_or_never_measured_prove_nothing()
    {
        var v1Only = HostRwFix with { ProvenBy = HostRwFix.ProvenBy! with { Where = new FixScope(["v1"], null, null, null, null, null, null, null, null) } };

        Assert.That(FixEvidence.Weigh(ReadOnly, v1Only, [Cell(ReadOnlyBind, Failed("cgroup-readonly")), Cell(HostRw, Booted)]).Proven, Is.False);
        Assert.That(FixEvidence.Weigh(ReadOnly, HostRwFix, [Cell(ReadOnlyBind, Failed("cgroup-readonly"))]).Proof, Is.Empty);
    }

    [Test]
    public void A_fix_may_change_the_hosts_cgroup_mode_image_and_daemon_profile()
    {
        var occurrence = Records.Of("vm-bookworm-v1/debian-forky/default/x", Failed("cgroup-v1-unsupported"), Records.Vm("bookworm", "20.10.24", HostCgroupMode.V1), ReadOnlyBind, image: "debian-forky", hostSpec: HostSpec.Vm("bookworm", HostCgroupMode.V1));

        var key = FixEvidence.Apply(new FixChange(null, null, null, null, "chown-cgroup", "userns-remap", "debian-trixie", "v2"), occurrence);

        Assert.That(key, Is.EqualTo(("vm-bookworm-v2", "debian-trixie", "userns-remap", ReadOnlyBind with { Remedy = Remedy.ChownCgroup })));
    }

    [Test]
    public void A_fix_is_either_proven_by_cells_or_marked_unverified()
    {
        const string json = """
            { "signatures": [ { "id": "s", "title": "t", "patterns": ["x"], "explanation": "e", "fixes": [
              { "change": "a", "why": "w" },
              { "change": "b", "why": "w", "unverified": true, "provenBy": { "set": { "mount": "rw" } } },
              { "change": "c", "why": "w", "provenBy": { "set": { "mount": "sideways" } } } ] } ] }
            """;

        var message = Assert.Throws<InvalidDataException>(() => SignatureCatalogue.Parse(json, "matrix/signatures.json"))!.Message;

        Assert.Multiple(() =>
        {
            Assert.That(message, Does.Contain("signatures[0].fixes[0]: neither provenBy nor unverified"));
            Assert.That(message, Does.Contain("signatures[0].fixes[1]: both provenBy and unverified"));
            Assert.That(message, Does.Contain("signatures[0].fixes[2].provenBy.set.mount: unknown value 'sideways'"));
        });
        Assert.That(new Fix("mask it", "w") { Unverified = true }.Text, Is.EqualTo("(unverified) mask it"));
    }

    /// <summary>
    /// Every fix the catalogue recommends with a claim is backed by the committed reference results: a cell where the
    /// fix boots on a host where its signature occurs, and no cell where it fails the same way. A later run that
    /// refutes a fix fails this test once its results are committed.
    /// </summary>
    [Test]
    public void Every_claimed_fix_is_proven_by_the_committed_results()
    {
        var results = CommittedResults.All();
        Assert.That(results, Is.Not.Empty, "docs/compatibility/ holds the reference runs' results");

        var problems = new List<string>();
        foreach (var signature in SignatureCatalogue.Load(Repo.Layout.Signatures).Signatures)
        {
            foreach (var fix in signature.Fixes.Where(f => f.ProvenBy is not null))
            {
                var evidence = FixEvidence.Weigh(signature, fix, results);
                if (evidence.Proof.Count == 0)
                {
                    problems.Add($"{signature.Id}: '{fix.Change}': no committed cell shows it working ({evidence.Occurrences.Count} cells with the signature in its scope): mark it unverified or measure it");
                }

                foreach (var (occurrence, fixedCell) in evidence.Refutations)
                {
                    problems.Add($"{signature.Id}: '{fix.Change}': refuted by {fixedCell.Cell.Id} ({fixedCell.Verdict.Label}) for {occurrence.Cell.Id}");
                }
            }
        }

        Assert.That(problems, Is.Empty, string.Join('\n', problems));
    }
}

/// <summary>The reference runs' results committed under <c>docs/compatibility/</c>.</summary>
internal static class CommittedResults
{
    public static IReadOnlyList<CellRecord> All() =>
        Directory.Exists(Folder)
            ? Directory.GetFiles(Folder, "*.json").Order(StringComparer.Ordinal).SelectMany(f => CompatibilityReport.Load(f).Cells).ToList()
            : [];

    public static string Folder => Path.Combine(Repo.Layout.Root, "docs", "compatibility");
}
