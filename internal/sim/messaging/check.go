package messaging

import (
	"errors"
	"fmt"

	"github.com/honoctl/honoctl/internal/amqp"
	"github.com/honoctl/honoctl/internal/sim/hono"
)

// Application properties and annotations of a forwarded message.
const (
	propDeviceID     = "device_id"
	propRegAssertion = "reg_assertion"

	annotTenant   = "tenant_id"
	annotDevice   = "device_id"
	annotResource = "resource"
)

// checkMessage does the formal checks of a telemetry or event message and
// returns the device it is from: a content type, a Data body (if any), and
// a device_id matching the link's device, if the link names one.
func checkMessage(link hono.Resource, msg *amqp.Message) (string, error) {
	if msg.Properties == nil || msg.Properties.ContentType == "" {
		return "", errors.New("content-type must be set")
	}
	if msg.HasValue || len(msg.Sequence) > 0 {
		return "", errors.New("body must be a Data section")
	}
	device, _ := msg.ApplicationProperties[propDeviceID].(string)
	if device == "" {
		return "", errors.New("application property device_id is missing")
	}
	if id := link.ID(); id != "" && id != device {
		return "", fmt.Errorf("device_id %q does not match the link's device %q", device, id)
	}
	return device, nil
}

// annotate adds what the router's consumers read: tenant_id, device_id and
// resource (endpoint/tenant/device) message annotations.
func annotate(msg *amqp.Message, link hono.Resource, device string) {
	if msg.Annotations == nil {
		msg.Annotations = amqp.Annotations{}
	}
	msg.Annotations[annotTenant] = link.Tenant()
	msg.Annotations[annotDevice] = device
	msg.Annotations[annotResource] = link.Endpoint() + "/" + link.Tenant() + "/" + device
}
