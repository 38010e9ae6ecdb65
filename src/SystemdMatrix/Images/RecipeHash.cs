using System.Security.Cryptography;
using System.Text;

namespace SystemdMatrix.Images;

/// <summary>
/// Content hashes that key the cache. Inputs are written as sorted <c>name=value</c> lines so that the hash changes
/// exactly when an input changes, not when code reorders them.
/// </summary>
public static class RecipeHash
{
    /// <summary>Bumped when the way a recipe turns into an artefact changes without any input changing.</summary>
    public const int Schema = 1;

    public static string Of(IReadOnlyDictionary<string, string> inputs)
    {
        var canonical = new StringBuilder();
        canonical.Append("schema=").Append(Schema).Append('\n');
        foreach (var (key, value) in inputs.OrderBy(i => i.Key, StringComparer.Ordinal))
        {
            canonical.Append(key).Append('=').Append(value.Replace("\n", "\\n", StringComparison.Ordinal)).Append('\n');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())))[..16];
    }

    /// <summary>The key of a bootstrapped root filesystem.</summary>
    public static string ForRootfs(ReleaseInfo release, string mirror, IReadOnlyList<string>? include = null) => Of(new Dictionary<string, string>(
        include is { Count: > 0 } ? [new("include", string.Join(',', include))] : [])
    {
        ["kind"] = "rootfs",
        ["tool"] = release.Tool.ToString(),
        ["distro"] = release.Distro,
        ["suite"] = release.Suite,
        ["mirror"] = mirror,
        ["variant"] = "minbase",
        ["arch"] = "amd64",
    });

    /// <summary>The key of a built image: its Dockerfile and whatever its base is.</summary>
    public static string ForImage(ImageDefinition image, string dockerfile, BaseSource source, string baseIdentity) => Of(new Dictionary<string, string>
    {
        ["kind"] = "image",
        ["name"] = image.Name,
        ["dockerfile"] = dockerfile,
        ["source"] = source.ToString(),
        ["base"] = baseIdentity,
    });
}
