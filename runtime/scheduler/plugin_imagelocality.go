package scheduler

import "strings"

// ImageLocality's thresholds (upstream's imagelocality).
const (
	mb                    int64 = 1024 * 1024
	minImageThreshold     int64 = 23 * mb
	maxContainerThreshold int64 = 1000 * mb
)

// imageLocalityScore is upstream's ImageLocality (weight 1): a node scores
// the sizes of the pod's images it already has (node.status.images), each
// scaled by the share of nodes that have it, between 23 MiB (0) and
// 1000 MiB per container (100). Its scores are 0–100 already.
var imageLocalityScore = scorePlugin{
	name:   "ImageLocality",
	weight: 1,
	score: func(c *cycle, ni *nodeInfo) int64 {
		counts := c.snap.imageCounts()
		total := len(c.snap.nodes)
		sizes := map[string]int64{}
		for _, img := range ni.node.Status.Images {
			for _, name := range img.Names {
				sizes[name] = img.SizeBytes
			}
		}
		var sum int64
		images := 0
		add := func(image string) {
			images++
			name := normalizedImageName(image)
			if size, ok := sizes[name]; ok {
				spread := float64(counts[name]) / float64(total)
				sum += int64(float64(size) * spread)
			}
		}
		for _, ct := range c.pod.Spec.InitContainers {
			add(ct.Image)
		}
		for _, ct := range c.pod.Spec.Containers {
			add(ct.Image)
		}
		for _, v := range c.pod.Spec.Volumes {
			if v.Image != nil {
				add(v.Image.Reference)
			}
		}
		maxThreshold := maxContainerThreshold * int64(images)
		sum = min(max(sum, minImageThreshold), maxThreshold)
		return maxNodeScore * (sum - minImageThreshold) / (maxThreshold - minImageThreshold)
	},
}

// normalizedImageName adds the tag :latest to an image named without one.
func normalizedImageName(name string) string {
	if strings.LastIndex(name, ":") <= strings.LastIndex(name, "/") {
		name += ":latest"
	}
	return name
}
